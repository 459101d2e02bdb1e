import { describe, expect, it } from 'vitest';
import { encodePush, parseDropQuery, parsePublishQuery } from '../../src/target/protocol.js';

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
