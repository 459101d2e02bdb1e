import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startServiceTarget, type ServiceTarget } from '../helpers/service-target.js';

let target: ServiceTarget | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function next(ws: WebSocket): Promise<{ text: string; binary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data: Buffer, binary: boolean) => resolve({ text: data.toString('utf8'), binary })));
}

async function publish(t: ServiceTarget, body: unknown, token = 'publish-secret'): Promise<Response> {
  return fetch(t.publishUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('service target (test helper)', () => {
  it('refuses an unknown token, acks subscribes, and pushes only to the topic', async () => {
    target = await startServiceTarget({ tokens: ['a', 'b'] });
    await expect(open(`${target.wsUrl}?token=zz`)).rejects.toThrow(/401/);
    expect(target.refused()).toBe(1);
    const a = await open(`${target.wsUrl}?token=a`);
    const b = await open(`${target.wsUrl}?token=b`);
    const ackA = next(a);
    a.send(JSON.stringify({ type: 'subscribe', topic: 'red' }));
    expect(JSON.parse((await ackA).text)).toEqual({ type: 'subscribed', topic: 'red' });
    const ackB = next(b);
    b.send(JSON.stringify({ type: 'subscribe', topic: 'blue' }));
    await ackB;
    expect((await publish(target, { topic: 'red', seq: 1 }, 'wrong')).status).toBe(401);
    const push = next(a);
    const res = await publish(target, { topic: 'red', seq: 1 });
    expect(await res.json()).toEqual({ delivered: 1 });
    const msg = JSON.parse((await push).text) as { type: string; data: { seq: number; topic: string; ts: number } };
    expect(msg.type).toBe('event');
    expect(msg.data.seq).toBe(1);
    expect(msg.data.topic).toBe('red');
    expect(target.pushesPerSocket()).toEqual([1, 0]);
    expect(target.tokensSeen()).toEqual(['a', 'b']);
    a.close();
    b.close();
  });

  it('relays a chat publish to the other subscribers, as binary frames when asked', async () => {
    target = await startServiceTarget({ binary: true });
    const sub = await open(target.wsUrl);
    const pub = await open(target.wsUrl);
    const ack = next(sub);
    sub.send(JSON.stringify({ type: 'subscribe', topic: 'room' }));
    await ack;
    const push = next(sub);
    const reply = next(pub);
    pub.send(JSON.stringify({ type: 'publish', topic: 'room', seq: 7 }));
    const got = await push;
    expect(got.binary).toBe(true);
    expect(JSON.parse(got.text)).toMatchObject({ type: 'event', data: { seq: 7, topic: 'room' } });
    expect(JSON.parse((await reply).text)).toEqual({ type: 'published', topic: 'room', delivered: 1 });
    expect(target.pushesByTopic()).toEqual({ room: 1 });
    // A publish's ref is echoed to the sender only, not pushed.
    const push2 = next(sub);
    const reply2 = next(pub);
    pub.send(JSON.stringify({ type: 'publish', topic: 'room', seq: 8, ref: 'r-8' }));
    expect(JSON.parse((await push2).text).data).not.toHaveProperty('ref');
    expect(JSON.parse((await reply2).text)).toEqual({ type: 'published', topic: 'room', delivered: 1, ref: 'r-8' });
    sub.close();
    pub.close();
  });

  it('refuses listed topics, can stay silent or ack late, and takes a token from the header', async () => {
    target = await startServiceTarget({ tokens: ['t1'], refuseTopics: ['closed'], ackDelayMs: 100 });
    const ws = await new Promise<WebSocket>((resolve, reject) => {
      const s = new WebSocket(target?.wsUrl ?? '', { headers: { authorization: 'Bearer t1' } });
      s.once('open', () => resolve(s));
      s.once('error', reject);
    });
    const refused = next(ws);
    ws.send(JSON.stringify({ type: 'subscribe', topic: 'closed' }));
    expect(JSON.parse((await refused).text)).toMatchObject({ type: 'error', topic: 'closed' });
    const started = Date.now();
    const ack = next(ws);
    ws.send(JSON.stringify({ type: 'subscribe', topic: 'open' }));
    expect(JSON.parse((await ack).text)).toEqual({ type: 'subscribed', topic: 'open' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(target.subscribed()).toBe(1);
    expect(target.received()[0]).toHaveLength(2);
    ws.close();
    await target.close();

    target = await startServiceTarget({ ack: false });
    const silent = await open(target.wsUrl);
    let got = 0;
    silent.on('message', () => got++);
    silent.send(JSON.stringify({ type: 'subscribe', topic: 'x' }));
    await new Promise((r) => setTimeout(r, 150));
    expect(got).toBe(0);
    expect(target.push('x', { seq: 1 })).toBe(0);
    silent.close();
  });

  it('without subscribe messages, takes ?topic= (or every topic), and publishes by GET and push()', async () => {
    target = await startServiceTarget({ requireSubscribe: false });
    const onA = await open(`${target.wsUrl}?topic=a`);
    const all = await open(target.wsUrl);
    const pushA = next(onA);
    const pushAll = next(all);
    expect((await fetch(`${target.publishUrl}?topic=a&seq=k3x9a2bq-3&id=7&auth=wrong`)).status).toBe(401);
    const res = await fetch(`${target.publishUrl}?topic=a&seq=k3x9a2bq-3&id=7&auth=publish-secret`);
    expect(await res.json()).toEqual({ delivered: 2 });
    expect(JSON.parse((await pushA).text)).toMatchObject({ type: 'event', data: { seq: 'k3x9a2bq-3', id: 7, topic: 'a' } });
    await pushAll;
    expect(target.push('b', { seq: 4 })).toBe(1);
    expect(target.pushesPerSocket()).toEqual([1, 2]);
    expect(target.pushesByTopic()).toEqual({ a: 2, b: 1 });
    expect(target.publishes()).toBe(1);
    onA.close();
    all.close();
  });
});
