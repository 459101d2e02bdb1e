/**
 * The MQTT client's QoS 1 answer (issue 25, hot path): every PUBLISH with QoS 1 is answered with
 * the PUBACK of its packet id, and the frame is one built once per id and shared by every socket
 * (no Buffer made per delivery). Driven through the protocol's entry with a recording host.
 */
import { describe, expect, it } from 'vitest';
import { mqttEntry, pubackFor } from '../../src/protocols/mqtt.js';
import type { ProtocolHost } from '../../src/protocols/types.js';
import type { MqttProtocol } from '../../src/run/scenario.js';

const OPTIONS: MqttProtocol = {
  name: 'mqtt',
  topics: ['news'],
  qos: 1,
  keepaliveMs: 0,
  clientId: 'c-{conn}',
  clean: true,
  version: 4,
  username: null,
  password: null,
  timeoutMs: 10_000,
};

function recordingHost(): { host: ProtocolHost; sent: { k: number; data: string | Buffer }[]; delivered: string[] } {
  const sent: { k: number; data: string | Buffer }[] = [];
  const delivered: string[] = [];
  const host: ProtocolHost = {
    fillText: (_k, text) => text,
    send: (k, data) => void sent.push({ k, data }),
    lastSentAt: () => 0,
    isOpen: () => true,
    onSubscribed: () => {},
    onSubscribeFailed: (k, reason) => {
      throw new Error(`socket ${k} failed: ${reason}`);
    },
    deliver: (_k, payload) => void delivered.push(payload.toString('utf8')),
    unmatched: () => {},
    noteReason: () => {},
    closeByClient: () => {},
  };
  return { host, sent, delivered };
}

/** A QoS 1 PUBLISH of `payload` to topic "news" with packet id `id`. */
function publishQos1(id: number, payload: string): Buffer {
  const body = Buffer.concat([Buffer.from([0, 4]), Buffer.from('news'), Buffer.from([id >> 8, id & 0xff]), Buffer.from(payload)]);
  return Buffer.concat([Buffer.from([0x32, body.length]), body]);
}

describe('MQTT QoS 1 PUBACK', () => {
  it('answers each PUBLISH with the PUBACK of its id, one shared frame per id across sockets', () => {
    const { host, sent, delivered } = recordingHost();
    const client = mqttEntry.create(2, OPTIONS, host);
    for (const k of [0, 1]) {
      client.begin(k);
      client.receive(k, Buffer.from([0x20, 0x02, 0x00, 0x00]), true, 1); // CONNACK accepted
      client.receive(k, Buffer.from([0x90, 0x03, 0x00, 0x01, 0x01]), true, 2); // SUBACK QoS 1
    }
    sent.length = 0;
    client.receive(0, publishQos1(0x1234, 'a'), true, 3);
    client.receive(1, publishQos1(0x1234, 'b'), true, 3);
    client.receive(0, publishQos1(7, 'c'), true, 4);
    expect(delivered).toEqual(['a', 'b', 'c']);
    expect(sent.map((s) => [s.k, [...(s.data as Buffer)]])).toEqual([
      [0, [0x40, 0x02, 0x12, 0x34]],
      [1, [0x40, 0x02, 0x12, 0x34]],
      [0, [0x40, 0x02, 0x00, 0x07]],
    ]);
    // The same frame object for one id, whichever socket: nothing allocated per delivery.
    expect(sent[0].data).toBe(sent[1].data);
    expect(sent[0].data).toBe(pubackFor(0x1234));
    // A later id does not change an earlier id's frame (ws may still hold it, queued).
    expect([...pubackFor(0x1234)]).toEqual([0x40, 0x02, 0x12, 0x34]);
  });
});
