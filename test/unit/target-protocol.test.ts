import type { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import { encodePush, parseDropQuery, parsePublishQuery, textFrame } from '../../src/target/protocol.js';

// ws's own frame parser (exported by ws, not declared in @types/ws): the client side of a socket.
type ReceiverLike = Writable & { on(event: 'message', l: (data: Buffer, isBinary: boolean) => void): ReceiverLike };
const { Receiver } = wsModule as unknown as { Receiver: new (opts: { isServer: boolean }) => ReceiverLike };

function parseWithWs(frame: Buffer): Promise<{ text: string; isBinary: boolean }> {
  return new Promise((resolve, reject) => {
    const r = new Receiver({ isServer: false });
    r.on('message', (data, isBinary) => resolve({ text: data.toString('utf8'), isBinary }));
    r.on('error', reject);
    r.write(frame);
  });
}

const q = (s: string): URLSearchParams => new URLSearchParams(s);

describe('parsePublishQuery', () => {
  it('reads id and value as URL-decoded opaque strings', () => {
    expect(parsePublishQuery(q('id=8&value=300'))).toEqual({ ok: true, value: { id: '8', value: '300' } });
    expect(parsePublishQuery(q('id=a%20b&value=%7B%22x%22%3A1%7D'))).toEqual({ ok: true, value: { id: 'a b', value: '{"x":1}' } });
    expect(parsePublishQuery(q('id=&value='))).toEqual({ ok: true, value: { id: '', value: '' } });
  });

  it.each([
    ['value=300', 'missing id'],
    ['id=8', 'missing value'],
    ['', 'missing id and value'],
  ])('rejects %j with "%s"', (query, message) => {
    const r = parsePublishQuery(q(query));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(message);
  });
});

describe('encodePush', () => {
  it('is the compact JSON of the seed demo, both fields strings', () => {
    expect(encodePush({ id: '8', value: '300' }).toString('utf8')).toBe('{"id":"8","value":"300"}');
  });

  it('escapes what JSON needs and keeps UTF-8', () => {
    const text = encodePush({ id: 'é"\\', value: '\n' }).toString('utf8');
    expect(text).toBe('{"id":"é\\"\\\\","value":"\\n"}');
    expect(JSON.parse(text)).toEqual({ id: 'é"\\', value: '\n' });
  });
});

describe('parseDropQuery', () => {
  it.each([
    ['mode=close&count=3', { mode: 'close', count: 3, share: null }],
    ['mode=destroy&share=0.5', { mode: 'destroy', count: null, share: 0.5 }],
    ['mode=reset&count=0', { mode: 'reset', count: 0, share: null }],
    ['count=1', { mode: 'close', count: 1, share: null }],
  ])('accepts %j', (query, expected) => {
    expect(parseDropQuery(q(query))).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['mode=explode&count=1', 'mode must be close, destroy or reset'],
    ['mode=close', 'exactly one of count'],
    ['mode=close&count=1&share=1', 'exactly one of count'],
    ['mode=close&count=-1', 'count must be an integer'],
    ['mode=close&count=1.5', 'count must be an integer'],
    ['mode=close&count=', 'count must be an integer'],
    ['mode=close&share=1.5', 'share must be a number from 0 to 1'],
    ['mode=close&share=x', 'share must be a number from 0 to 1'],
  ])('rejects %j', (query, message) => {
    const r = parseDropQuery(q(query));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(message);
  });
});

describe('textFrame', () => {
  it.each([0, 1, 125, 126, 127, 65535, 65536, 70_000])('frames a %i-byte payload so ws reads it back as one text message', async (len) => {
    const payload = Buffer.from('x'.repeat(len));
    const frame = textFrame(payload);
    expect(frame.length).toBe(len + (len < 126 ? 2 : len < 65536 ? 4 : 10));
    const got = await parseWithWs(frame);
    expect(got.isBinary).toBe(false);
    expect(got.text.length).toBe(len);
    expect(got.text).toBe(payload.toString());
  });

  it('frames the push bytes unchanged', async () => {
    expect(await parseWithWs(textFrame(encodePush({ id: '8', value: '300' })))).toEqual({
      text: '{"id":"8","value":"300"}',
      isBinary: false,
    });
  });
});
