/**
 * Finds the sequence number in a pushed message without JSON.parse: at tens of thousands of
 * messages per second the parse dominates a worker's CPU. Accepts `"value":"123"`, `"value": 123`
 * and whitespace variants; anything else is "no sequence number" (-1).
 */

/** Prepares the needle for a match field once per worker. */
export function matchKey(field: string): Buffer {
  return Buffer.from(JSON.stringify(field), 'utf8');
}

const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Sequence number carried by `data` under `key`, or -1. */
export function extractSeq(data: Buffer, key: Buffer): number {
  let at = data.indexOf(key);
  while (at !== -1) {
    let i = at + key.length;
    while (i < data.length && SPACE.has(data[i])) i++;
    if (data[i] === 0x3a /* : */) {
      i++;
      while (i < data.length && SPACE.has(data[i])) i++;
      const quoted = data[i] === 0x22;
      if (quoted) i++;
      let n = 0;
      let digits = 0;
      while (i < data.length && data[i] >= 0x30 && data[i] <= 0x39 && digits < 10) {
        n = n * 10 + (data[i] - 0x30);
        i++;
        digits++;
      }
      if (digits > 0 && (!quoted || data[i] === 0x22)) return n;
      return -1;
    }
    at = data.indexOf(key, at + 1);
  }
  return -1;
}
