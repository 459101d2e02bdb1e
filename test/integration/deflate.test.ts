/**
 * permessage-deflate end to end: wsload offers it (scenario key perMessageDeflate), the built-in
 * target accepts it only when opted in, the report counts what the server accepted, and every
 * push, compressed on the wire, is inflated and matched exactly. Through real nginx and HAProxy
 * the negotiation is between wsload and the target (the gateways pass the header through).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startTarget, type RunningTarget } from '../../dist/target/server.js';
import { startHaproxy, startNginx, type RunningGateway } from '../helpers/gateways.js';
import { expectDeliveredExactly } from '../helpers/books.js';
import { missing } from '../helpers/real-parts.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { renderSummary } from '../../dist/render/summary.js';

const track = closeAfterEach();

function summaryText(report: Parameters<typeof renderSummary>[0]): string {
  return renderSummary(report).replace(/\n\s+/g, ' ');
}
// Small and slow enough that a shared, loaded 2-core machine opens every socket and books every push on time.
const CONNECTIONS = 60;

/** A short fan-out run a user writes, with `perMessageDeflate` as given. */
function deflateScenario(target: Record<string, unknown> | 'embedded', deflate: unknown): ReturnType<typeof scenarioFrom> {
  return scenarioFrom({
    target,
    connections: CONNECTIONS,
    connectRate: 200,
    handshakeTimeout: '10s',
    duration: '1500ms',
    workers: 2,
    publish: { rate: 10, ids: [8, 5, 1, 3], deadline: '10s' },
    perMessageDeflate: deflate,
  });
}

/** The first frame the target pushes on a hand-made upgrade offering permessage-deflate: its first byte and its payload length. */
async function firstPushFrame(target: RunningTarget): Promise<{ firstByte: number; response: string }> {
  const socket: Socket = connect(target.port, target.host);
  try {
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.write(
      `GET /ws HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
        'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n',
    );
    let data = Buffer.alloc(0);
    let published = false;
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no pushed frame within 5 s; got ${JSON.stringify(data.toString('latin1'))}`)), 5000);
      socket.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
        const end = data.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!published) {
          published = true;
          void fetch(`${target.httpUrl}/api?id=8&value=${'9'.repeat(200)}`);
        }
        if (data.length > end + 4) {
          clearTimeout(timer);
          resolve({ firstByte: data[end + 4], response: data.subarray(0, end).toString('latin1') });
        }
      });
    });
  } finally {
    socket.destroy();
  }
}

describe('permessage-deflate against the built-in target', () => {
  it('offered to an embedded target: accepted on every upgrade, every push inflated and matched', async () => {
    const report = await runQuietly(deflateScenario('embedded', true));
    expect(report.connections.opened).toBe(CONNECTIONS);
    expect(report.connections.extensions).toEqual({
      offered: 'permessage-deflate; client_max_window_bits',
      accepted: { 'permessage-deflate': CONNECTIONS },
      refused: 0,
    });
    expectDeliveredExactly(report, CONNECTIONS);
    // The summary wraps long lines: compared with its line breaks and indents taken out.
    expect(summaryText(report)).toContain(
      `compression: offered "permessage-deflate; client_max_window_bits"; accepted on ${CONNECTIONS} upgrades`,
    );
  });

  it('its parameters go in the offer and come back in the answer (no context takeover, 10-bit windows)', async () => {
    const target = track(await startTarget({ perMessageDeflate: true }));
    const report = await runQuietly(
      deflateScenario(
        { url: target.wsUrl },
        { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 10 },
      ),
    );
    const offered =
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=10';
    expect(report.connections.extensions?.offered).toBe(offered);
    expect(report.connections.extensions?.accepted).toEqual({ [offered]: CONNECTIONS });
    expect(report.connections.extensions?.refused).toBe(0);
    expectDeliveredExactly(report, CONNECTIONS);
  });

  it('a target without the opt-in refuses it: counted refused, deliveries exact uncompressed', async () => {
    const target = track(await startTarget());
    const report = await runQuietly(deflateScenario({ url: target.wsUrl }, true));
    expect(report.connections.extensions).toEqual({
      offered: 'permessage-deflate; client_max_window_bits',
      accepted: {},
      refused: CONNECTIONS,
    });
    expectDeliveredExactly(report, CONNECTIONS);
    expect(summaryText(report)).toContain(`accepted on 0 upgrades; refused on ${CONNECTIONS}`);
  });

  it('not offered (the default): no extensions in the report, as before', async () => {
    const target = track(await startTarget({ perMessageDeflate: true }));
    const report = await runQuietly(deflateScenario({ url: target.wsUrl }, false));
    expect(report.connections.extensions).toBeUndefined();
    expect(report.scenario.perMessageDeflate).toBeUndefined();
    expectDeliveredExactly(report, CONNECTIONS);
  });

  it('the opted-in target really compresses its pushes (RSV1 set on the wire), the default one does not', async () => {
    const on = track(await startTarget({ perMessageDeflate: true }));
    const off = track(await startTarget());
    const compressed = await firstPushFrame(on);
    expect(compressed.response).toMatch(/\r\nSec-WebSocket-Extensions: permessage-deflate/i);
    // FIN + RSV1 (compressed) + text opcode.
    expect(compressed.firstByte).toBe(0xc1);
    const plain = await firstPushFrame(off);
    expect(plain.response).not.toMatch(/Sec-WebSocket-Extensions/i);
    expect(plain.firstByte).toBe(0x81);
  });
});

const gateways: RunningGateway[] = [];
afterAll(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.stop()));
});

describe.skipIf(missing('nginx', 'haproxy'))('permessage-deflate through real gateways (negotiated end to end)', () => {
  for (const [kind, start] of [
    ['nginx', startNginx],
    ['haproxy', startHaproxy],
  ] as const) {
    it(`${kind}: the target's answer reaches wsload, every push inflated and matched`, async () => {
      const target = track(await startTarget({ perMessageDeflate: true }));
      const g = await start({ upstream: { host: target.host, port: target.port }, idleTimeoutMs: 30_000 });
      gateways.push(g);
      const report = await runQuietly(deflateScenario({ url: g.wsUrl }, { serverNoContextTakeover: true }));
      expect(report.connections.opened).toBe(CONNECTIONS);
      expect(report.connections.extensions?.accepted).toEqual({
        'permessage-deflate; server_no_context_takeover': CONNECTIONS,
      });
      expect(report.connections.extensions?.refused).toBe(0);
      expectDeliveredExactly(report, CONNECTIONS);
    });
  }
});
