import { describe, expect, it } from 'vitest';
import { PushParser, PUSH_FOREIGN, PUSH_UNMATCHED } from '../../src/worker/seq-extract.js';

const untagged = new PushParser('value', null);
const tagged = new PushParser('value', 'k3x9a2bq');
const id = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('PushParser', () => {
  it.each([
    ['{"id":"8","value":"300"}', 300],
    ['{"id": "8", "value": "300"}', 300],
    ['{"value":42,"id":"x"}', 42],
    ['{ "value" :\n "7" }', 7],
    ['{"values":"1","value":"9"}', 9],
    // The match field nested elsewhere must not be taken for the top-level one.
    ['{"meta":{"value":"1"},"value":"5"}', 5],
    ['{"value":"5","meta":{"value":"1"}}', 5],
    ['{"list":[{"value":1}],"value":6}', 6],
    ['{"note":"a \\"quoted\\" word","value":"11"}', 11],
    ['{"value":3.0}', 3],
    ['{"id":"value","value":"12"}', 12],
    ['{"x\\"value":5,"value":"13"}', 13],
    ['{"value":"14","value2":{"value":"1"}}', 14],
  ])('finds the top-level sequence number in %s', (text, seq) => {
    expect(untagged.parse(Buffer.from(text))).toBe(seq);
  });

  it.each([
    ['{"id":"8"}'],
    ['{"value":"abc"}'],
    ['{"value":"12x"}'],
    ['not json'],
    ['{"value":""}'],
    // A decimal is not a sequence number, whatever digits it starts with.
    ['{"value":3.9}'],
    ['{"value":"3.9"}'],
    ['{"value":-3}'],
    ['{"value":0}'],
    ['{"value":99999999999}'],
    // Only nested: the top level has no value.
    ['{"meta":{"value":"1"}}'],
    ['{"id":"value"}'],
    ['[{"value":1}]'],
    ['{"value":null}'],
  ])('calls %s unmatched', (text) => {
    expect(untagged.parse(Buffer.from(text))).toBe(PUSH_UNMATCHED);
  });

  it('reads this run tag and counts other runs as foreign', () => {
    expect(tagged.parse(Buffer.from('{"id":"8","value":"k3x9a2bq-300"}'))).toBe(300);
    expect(tagged.parse(Buffer.from('{"id":"8","value":"zzzzzzzz-300"}'))).toBe(PUSH_FOREIGN);
    expect(tagged.parse(Buffer.from('{"id":"8","value":"k3x9a2b-300"}'))).toBe(PUSH_FOREIGN);
    // A bare number while this run tags is a run without tags (an older wsload, a {seq}-only template).
    expect(tagged.parse(Buffer.from('{"id":"8","value":"300"}'))).toBe(PUSH_FOREIGN);
    expect(tagged.parse(Buffer.from('{"value":"k3x9a2bq-3.9"}'))).toBe(PUSH_UNMATCHED);
    expect(tagged.parse(Buffer.from('{"value":"-300"}'))).toBe(PUSH_UNMATCHED);
    // A run that tags nothing cannot tell its own from a tagged run's: tagged values are foreign.
    expect(untagged.parse(Buffer.from('{"value":"k3x9a2bq-300"}'))).toBe(PUSH_FOREIGN);
  });

  it('checks the pushed id, numeric or string, top-level only; a message without one is not contradicted', () => {
    expect(tagged.idDiffers(Buffer.from('{"id":8,"value":"k3x9a2bq-1"}'), id('8'))).toBe(false);
    expect(tagged.idDiffers(Buffer.from('{"id":"8","value":"k3x9a2bq-1"}'), id('8'))).toBe(false);
    expect(tagged.idDiffers(Buffer.from('{"id":"88","value":"k3x9a2bq-1"}'), id('8'))).toBe(true);
    expect(tagged.idDiffers(Buffer.from('{"id":"","value":"k3x9a2bq-1"}'), id('8'))).toBe(true);
    expect(tagged.idDiffers(Buffer.from('{"meta":{"id":"x"},"value":"k3x9a2bq-1","id":"9"}'), id('9'))).toBe(false);
    expect(tagged.idDiffers(Buffer.from('{"meta":{"id":"9"},"value":"k3x9a2bq-1","id":"x"}'), id('9'))).toBe(true);
    expect(tagged.idDiffers(Buffer.from('{"id":"caf\\u00e9","value":"1"}'), id('café'))).toBe(false);
    expect(tagged.idDiffers(Buffer.from('{"value":"k3x9a2bq-1"}'), id('8'))).toBe(false);
  });

  it('uses the configured match field', () => {
    expect(new PushParser('seq', null).parse(Buffer.from('{"seq":"5","value":"x"}'))).toBe(5);
  });
});
