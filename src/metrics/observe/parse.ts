/**
 * The Prometheus text exposition format (version 0.0.4), read strictly and in one pass: every
 * sample line as name, labels and value, and each family's `# TYPE`. Written here rather than
 * taken from npm: prom-client only writes the format, and parse-prometheus-text-format (last
 * released 2018) builds every family of a body as nested objects before a caller can pick any,
 * where a scrape keeps a handful of series out of thousands (Envoy exposes ~5,000) and must say
 * which line of a garbage body is wrong. Timestamps after the value are accepted and ignored (the
 * scrape's own time is the sample's time); OpenMetrics' `# EOF` ends the body.
 */

/** A family's declared type; "untyped" when no `# TYPE` line names it. */
export type PromType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface PromSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

export class PromParseError extends Error {}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set<PromType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** A sample value: a float, or NaN / +Inf / -Inf as Prometheus writes them. */
function parseValue(text: string): number {
  if (text === 'NaN') return NaN;
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  // Number() would also take "", "0x1f" and " 1": the format allows none of them.
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : NaN;
}

/** The labels of `{a="1",b="x\"y"}` starting at text[at] === '{'; returns them and the index after '}'. */
function parseLabels(text: string, at: number, line: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1;
  for (;;) {
    while (text[i] === ' ') i++;
    if (text[i] === '}') return { labels, end: i + 1 };
    const m = LABEL_NAME.exec(text.slice(i, i + 200));
    if (!m) throw new PromParseError(`line ${line}: expected a label name at column ${i + 1}`);
    const name = m[0];
    i += name.length;
    while (text[i] === ' ') i++;
    if (text[i] !== '=' || text[i + 1] !== '"') throw new PromParseError(`line ${line}: expected ="…" after label ${name}`);
    i += 2;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new PromParseError(`line ${line}: unterminated value of label ${name}`);
      i++;
      if (c === '"') break;
      if (c === '\\') {
        const e = text[i++];
        value += e === 'n' ? '\n' : e === '\\' ? '\\' : e === '"' ? '"' : `\\${e ?? ''}`;
      } else value += c;
    }
    labels[name] = value;
    while (text[i] === ' ') i++;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new PromParseError(`line ${line}: expected "," or "}" after label ${name}`);
  }
}

/**
 * Calls `onSample` for every sample of `body` and returns each family's type. Throws a
 * PromParseError naming the first bad line: a body that is not the format is no data at all
 * (a proxy's HTML error page must not read as an empty endpoint).
 */
export function parsePrometheusText(body: string, onSample: (s: PromSample) => void): Map<string, PromType> {
  const types = new Map<string, PromType>();
  let lineNo = 0;
  let samples = 0;
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    const raw = body.slice(start, end);
    start = end + 1;
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const text = line.trimStart();
    if (text === '') continue;
    if (text.startsWith('#')) {
      const parts = text.slice(1).trim().split(/\s+/);
      if (parts[0] === 'EOF') break;
      if (parts[0] === 'TYPE') {
        const type = parts[2] as PromType;
        if (parts.length < 3 || !NAME.test(parts[1]) || !TYPES.has(type)) throw new PromParseError(`line ${lineNo}: bad # TYPE line`);
        types.set(parts[1], type);
      }
      continue;
    }
    const m = NAME.exec(text);
    if (!m) throw new PromParseError(`line ${lineNo}: expected a metric name, got ${JSON.stringify(text.slice(0, 40))}`);
    const name = m[0];
    let i = name.length;
    let labels: Record<string, string> = {};
    if (text[i] === '{') ({ labels, end: i } = parseLabels(text, i, lineNo));
    const rest = text.slice(i).trim().split(/\s+/);
    if (rest.length < 1 || rest.length > 2 || rest[0] === '' || (i < text.length && text[i] !== ' ' && text[i] !== '\t')) {
      throw new PromParseError(`line ${lineNo}: expected "<name>{labels} <value> [timestamp]"`);
    }
    const value = parseValue(rest[0]);
    if (Number.isNaN(value) && rest[0] !== 'NaN')
      throw new PromParseError(`line ${lineNo}: value ${JSON.stringify(rest[0].slice(0, 30))} is not a number`);
    if (rest.length === 2 && !/^-?\d+$/.test(rest[1]))
      throw new PromParseError(`line ${lineNo}: timestamp ${JSON.stringify(rest[1].slice(0, 30))} is not an integer`);
    samples++;
    onSample({ name, labels, value });
  }
  if (samples === 0 && types.size === 0) throw new PromParseError('no samples and no # TYPE line: not the Prometheus text format');
  return types;
}

/** The family a sample belongs to, for its type: `x_bucket`, `x_sum`, `x_count` of histogram or summary x. */
export function familyOf(name: string, types: ReadonlyMap<string, PromType>): PromType {
  const own = types.get(name);
  if (own !== undefined) return own;
  const base = /^(.*)_(bucket|sum|count|total|created)$/.exec(name)?.[1];
  if (base !== undefined) {
    const t = types.get(base);
    // Every part of a histogram or summary only grows; a counter family "x" exposes "x_total".
    if (t === 'histogram' || t === 'summary' || t === 'counter') return 'counter';
  }
  return 'untyped';
}
