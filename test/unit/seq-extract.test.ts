import { describe, expect, it } from 'vitest';
import { PushParser, PUSH_FOREIGN, PUSH_UNMATCHED } from '../../src/worker/seq-extract.js';
import { seededRandom } from '../helpers/fake-report.js';

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

describe('PushParser with a JSON pointer', () => {
  const nested = new PushParser({ by: 'pointer', expr: '/data/seq' }, null);
  const nestedTagged = new PushParser({ by: 'pointer', expr: '/data/seq' }, 'k3x9a2bq');

  it.each([
    ['{"type":"event","data":{"seq":42,"topic":"t","ts":1}}', 42],
    ['{"data":{"seq":"42"}}', 42],
    ['{"data":{"seq":7.0}}', 7],
    ['{"seq":1,"data":{"x":{"seq":2},"seq":3}}', 3],
    [' {"data" : {"seq" : 2147483647}} ', 2147483647],
  ])('reads the nested integer in %s', (text, seq) => {
    expect(nested.parse(Buffer.from(text))).toBe(seq);
  });

  it.each([
    ['{"seq":5}'],
    ['{"data":{}}'],
    ['{"data":[5]}'],
    ['{"data":"seq"}'],
    ['{"data":{"seq":3.5}}'],
    ['{"data":{"seq":"3.5"}}'],
    ['{"data":{"seq":1e21}}'],
    ['{"data":{"seq":2147483648}}'],
    ['{"data":{"seq":99999999999999999999}}'],
    ['{"data":{"seq":-1}}'],
    ['{"data":{"seq":0}}'],
    ['{"data":{"seq":true}}'],
    ['{"data":{"seq":null}}'],
    ['{"data":{"seq":{"n":1}}}'],
    ['{"data":{"seq":" 5"}}'],
    ['{"data":{"seq":5'],
    ['{"data":{"seq":"5'],
    ['{"data":{"se'],
    ['not json'],
    [''],
  ])('calls %s unmatched', (text) => {
    expect(nested.parse(Buffer.from(text))).toBe(PUSH_UNMATCHED);
  });

  it('like the top-level scan, does not check the tail of a message after the value it read', () => {
    expect(nested.parse(Buffer.from('{"data":{"seq":5}'))).toBe(5);
  });

  it('answers as JSON.parse does, with or without the byte scan, on varied messages', () => {
    const random = seededRandom(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    // JSON texts of the sequence value, escapes and all.
    const values = [
      '1',
      '42',
      '2147483647',
      '2147483648',
      '0',
      '-3',
      '3.5',
      '3.0',
      '1e21',
      '"7"',
      '"k3x9a2bq-9"',
      '"zz-1"',
      '"a\\"b"',
      '"é"',
      'true',
      'null',
      '[]',
      '{}',
      '{"seq":4}',
      '"k3x9a2bq-1\\u0032"',
      '"k3x9a2bq-12"',
    ];
    // Distinct keys within an object: a key given twice is the one documented difference.
    const fillers = [
      '"x":1',
      '"s":"a,}]{["',
      '"n":[1,{"seq":8},"]"]',
      '"o":{"seq":9,"data":{"seq":10}}',
      '"e":"\\\\"',
      '"id":"8"',
      '"i\\u0064":7',
    ];
    const some = (): string[] => fillers.filter(() => random() < 0.3).sort(() => random() - 0.5);
    const pointerParser = new PushParser({ by: 'pointer', expr: '/data/seq' }, 'k3x9a2bq');
    for (let n = 0; n < 2000; n++) {
      const inner = some().filter((f) => !f.startsWith('"i'));
      if (random() < 0.5) inner.push(pick(['"id":"8"', '"id":9', '"id":8', '"id":"x\\""']));
      inner.splice(Math.floor(random() * (inner.length + 1)), 0, `"seq":${pick(values)}`);
      const outer = some();
      outer.splice(Math.floor(random() * (outer.length + 1)), 0, `"data" : { ${inner.join(' , ')} }`);
      const text = `{${outer.join(',')}}`;
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        continue;
      }
      // The reference: JSON.parse, then the same classification through a flat field.
      const data = (doc as { data: Record<string, unknown> }).data;
      const flat = Buffer.from(JSON.stringify({ value: data.seq, ...(data.id === undefined ? {} : { id: data.id }) }));
      const bytes = Buffer.from(text);
      expect(pointerParser.parse(bytes), text).toBe(tagged.parse(flat));
      expect(pointerParser.idDiffers(bytes, id('8')), text).toBe(tagged.idDiffers(flat, id('8')));
    }
  });

  it('unescapes ~1 and ~0 and walks array indices', () => {
    expect(new PushParser({ by: 'pointer', expr: '/a~1b/m~0n' }, null).parse(Buffer.from('{"a/b":{"m~n":9}}'))).toBe(9);
    // ~01 is "~1" literally, not "/".
    expect(new PushParser({ by: 'pointer', expr: '/~01' }, null).parse(Buffer.from('{"~1":4,"/":5}'))).toBe(4);
    const indexed = new PushParser({ by: 'pointer', expr: '/items/1/seq' }, null);
    expect(indexed.parse(Buffer.from('{"items":[{"seq":1},{"seq":2}]}'))).toBe(2);
    expect(indexed.parse(Buffer.from('{"items":[{"seq":1}]}'))).toBe(PUSH_UNMATCHED);
    expect(new PushParser({ by: 'pointer', expr: '/items/01/seq' }, null).parse(Buffer.from('{"items":[{"seq":1},{"seq":2}]}'))).toBe(
      PUSH_UNMATCHED,
    );
    expect(new PushParser({ by: 'pointer', expr: '/items/-/seq' }, null).parse(Buffer.from('{"items":[{"seq":1}]}'))).toBe(PUSH_UNMATCHED);
    const last = new PushParser({ by: 'pointer', expr: '/seqs/0' }, null);
    expect(last.parse(Buffer.from('{"seqs":[8,9]}'))).toBe(8);
    expect(new PushParser({ by: 'pointer', expr: '/0' }, null).parse(Buffer.from('[6]'))).toBe(6);
  });

  it('a one-key pointer reads the top-level field, like the plain field name', () => {
    const flat = new PushParser({ by: 'pointer', expr: '/value' }, 'k3x9a2bq');
    expect(flat.parse(Buffer.from('{"id":"8","value":"k3x9a2bq-300"}'))).toBe(300);
    expect(flat.parse(Buffer.from('{"meta":{"value":"k3x9a2bq-1"}}'))).toBe(PUSH_UNMATCHED);
  });

  it('keeps the run tag check and checks the id beside the nested sequence', () => {
    expect(nestedTagged.parse(Buffer.from('{"data":{"seq":"k3x9a2bq-12","id":"8"}}'))).toBe(12);
    expect(nestedTagged.idDiffers(Buffer.from(''), id('8'))).toBe(false);
    expect(nestedTagged.parse(Buffer.from('{"data":{"seq":"k3x9a2bq-12","id":8}}'))).toBe(12);
    expect(nestedTagged.idDiffers(Buffer.from(''), id('8'))).toBe(false);
    expect(nestedTagged.parse(Buffer.from('{"id":"8","data":{"seq":"k3x9a2bq-12","id":"9"}}'))).toBe(12);
    expect(nestedTagged.idDiffers(Buffer.from(''), id('8'))).toBe(true);
    expect(nestedTagged.parse(Buffer.from('{"id":"9","data":{"seq":"k3x9a2bq-12"}}'))).toBe(12);
    expect(nestedTagged.idDiffers(Buffer.from(''), id('8'))).toBe(false);
    expect(nestedTagged.parse(Buffer.from('{"data":{"seq":"zzzzzzzz-12"}}'))).toBe(PUSH_FOREIGN);
    expect(nestedTagged.parse(Buffer.from('{"data":{"seq":12}}'))).toBe(PUSH_FOREIGN);
  });
});

describe('PushParser with a regular expression', () => {
  const re = new PushParser({ by: 'regex', expr: 'seq=(\\d+)' }, null);

  it('reads the capture group as an integer, anything else unmatched', () => {
    expect(re.parse(Buffer.from('event topic=a seq=17 ts=3'))).toBe(17);
    expect(re.parse(Buffer.from('seq=2147483647'))).toBe(2147483647);
    expect(re.parse(Buffer.from('seq=2147483648'))).toBe(PUSH_UNMATCHED);
    expect(re.parse(Buffer.from('seq=0'))).toBe(PUSH_UNMATCHED);
    expect(re.parse(Buffer.from('no sequence here'))).toBe(PUSH_UNMATCHED);
    expect(new PushParser({ by: 'regex', expr: 'seq=([^ ]+)' }, null).parse(Buffer.from('seq=3.5 x'))).toBe(PUSH_UNMATCHED);
    // An optional group that did not take part is no value.
    expect(new PushParser({ by: 'regex', expr: 'a(\\d+)?' }, null).parse(Buffer.from('a'))).toBe(PUSH_UNMATCHED);
  });

  it('applies the run tag to the captured text, and never reports an id mismatch', () => {
    const tagged = new PushParser({ by: 'regex', expr: '"seq":"([^"]*)"' }, 'k3x9a2bq');
    expect(tagged.parse(Buffer.from('{"data":{"seq":"k3x9a2bq-5"}}'))).toBe(5);
    expect(tagged.parse(Buffer.from('{"data":{"seq":"other123-5"}}'))).toBe(PUSH_FOREIGN);
    expect(tagged.idDiffers(Buffer.from('{"id":"x"}'), id('8'))).toBe(false);
  });

  it('decodes the message as UTF-8', () => {
    expect(new PushParser({ by: 'regex', expr: 'é=(\\d+)' }, null).parse(Buffer.from('é=4', 'utf8'))).toBe(4);
  });
});
