import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  openClient,
  startClosingTarget,
  startDelayedTarget,
  startDestroyingTarget,
  startFailingPublishTarget,
  startPublishTarget,
  startRejectingTarget,
  startSilentTarget,
  startSkippingTarget,
  type RecordingClient,
  type TestTarget,
} from '../helpers/servers.js';

let targets: TestTarget[] = [];
let clients: RecordingClient[] = [];

afterEach(async () => {
  for (const c of clients) c.ws.terminate();
  clients = [];
  await Promise.all(targets.map((t) => t.close()));
  targets = [];
});

function track<T extends TestTarget>(t: T): T {
  targets.push(t);
  return t;
}

async function connectN(t: TestTarget, n: number): Promise<RecordingClient[]> {
  const cs: RecordingClient[] = [];
  // One at a time, so accept order is the order of this array.
  for (let i = 0; i < n; i++) {
    cs.push(await openClient(t.wsUrl));
    for (let j = 0; j < 100 && t.accepted() <= i; j++) await new Promise((r) => setTimeout(r, 5));
  }
  clients.push(...cs);
  return cs;
}

async function publish(t: TestTarget, id: string, value: string): Promise<number> {
  return (await fetch(`${t.httpUrl}/api?id=${id}&value=${value}`)).status;
}

describe('misbehaving test servers', () => {
  it('publish target counts accepted sockets, publishes and deliveries', async () => {
    const t = track(await startPublishTarget());
    const cs = await connectN(t, 2);
    expect(await publish(t, '1', '1')).toBe(200);
    for (const c of cs) await c.waitForMessages(1);
    expect([t.accepted(), t.clients(), t.publishes(), t.delivered()]).toEqual([2, 2, 1, 2]);
  });

  it('delayed target pushes no earlier than the delay after the request', async () => {
    const t = track(await startDelayedTarget(150));
    const [c] = await connectN(t, 1);
    const t0 = performance.now();
    const sent = publish(t, '1', '7');
    await c.waitForMessages(1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(await sent).toBe(200);
    expect(c.messages).toEqual(['{"id":"1","value":"7"}']);
  });

  it('skipping target leaves out exactly the (publish, socket) pairs chosen, and counts them', async () => {
    // Socket 1 misses every even publish; socket 2 misses publish 3.
    const t = track(await startSkippingTarget((seq, i) => (i === 1 && seq % 2 === 0) || (i === 2 && seq === 3)));
    const cs = await connectN(t, 3);
    for (let seq = 1; seq <= 4; seq++) expect(await publish(t, 'x', String(seq))).toBe(200);
    const values = async (c: RecordingClient, n: number): Promise<string[]> =>
      (await c.waitForMessages(n)).map((m) => (JSON.parse(m) as { value: string }).value);
    expect(await values(cs[0], 4)).toEqual(['1', '2', '3', '4']);
    expect(await values(cs[1], 2)).toEqual(['1', '3']);
    expect(await values(cs[2], 3)).toEqual(['1', '2', '4']);
    expect(t.skipped()).toBe(3);
    expect(t.delivered()).toBe(9);
  });

  it('rejecting target answers the upgrade with the status, while /api works', async () => {
    const t = track(await startRejectingTarget(503));
    await expect(openClient(t.wsUrl)).rejects.toThrow('Unexpected server response: 503');
    expect(t.rejected()).toBe(1);
    expect(await publish(t, '1', '1')).toBe(200);
  });

  it('silent target holds the upgrade request unanswered until closed', async () => {
    const t = track(await startSilentTarget());
    const socket = connect(t.port, '127.0.0.1');
    let received = 0;
    socket.on('data', (d) => (received += d.length));
    const ended = new Promise<void>((r) => socket.once('close', () => r()));
    socket.write(
      'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    for (let i = 0; i < 100 && t.upgradesHeld() === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(t.upgradesHeld()).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toBe(0);
    await t.close();
    await ended;
    expect(received).toBe(0);
  });

  it('closing target sends the close code that long after open', async () => {
    const t = track(await startClosingTarget({ afterMs: 100, code: 4000, reason: 'bye' }));
    const t0 = performance.now();
    const [c] = await connectN(t, 1);
    expect(await c.closed).toEqual({ code: 4000, reason: 'bye' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(90);
    expect(t.dropped()).toBe(1);
  });

  it('destroying target ends the TCP connection with no close frame (1006)', async () => {
    const t = track(await startDestroyingTarget({ afterMs: 50 }));
    const cs = await connectN(t, 2);
    for (const c of cs) expect((await c.closed).code).toBe(1006);
    expect(t.dropped()).toBe(2);
  });

  it('failing-publish target answers the status and pushes nothing', async () => {
    const t = track(await startFailingPublishTarget(500));
    const [c] = await connectN(t, 1);
    expect(await publish(t, '1', '1')).toBe(500);
    expect(t.publishes()).toBe(1);
    expect(t.delivered()).toBe(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(c.messages).toEqual([]);
  });
});
