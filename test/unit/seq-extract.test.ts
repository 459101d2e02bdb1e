import { describe, expect, it } from 'vitest';
import { extractSeq, matchKey } from '../../src/driver/seq-extract.js';

const value = matchKey('value');

describe('extractSeq', () => {
  it.each([
    ['{"id":"8","value":"300"}', 300],
    ['{"id": "8", "value": "300"}', 300],
    ['{"value":42,"id":"x"}', 42],
    ['{ "value" :\n "7" }', 7],
    ['{"values":"1","value":"9"}', 9],
  ])('finds the sequence number in %s', (text, seq) => {
    expect(extractSeq(Buffer.from(text), value)).toBe(seq);
  });

  it.each([['{"id":"8"}'], ['{"value":"abc"}'], ['{"value":"12x"}'], ['not json'], ['{"value":""}']])('returns -1 for %s', (text) => {
    expect(extractSeq(Buffer.from(text), value)).toBe(-1);
  });

  it('uses the configured match field', () => {
    expect(extractSeq(Buffer.from('{"seq":"5","value":"x"}'), matchKey('seq'))).toBe(5);
  });
});
