/**
 * nginx's `stub_status` page read as if it were nginx-prometheus-exporter's /metrics, so the same
 * selectors, thresholds, trends and cross-checks work on nginx open source with or without the
 * exporter. The page is four lines (trailing spaces as nginx writes them):
 *
 *     Active connections: 291
 *     server accepts handled requests
 *      16630948 16630948 31070465
 *     Reading: 6 Writing: 179 Waiting: 106
 *
 * mapped to the exporter's names: nginx_connections_{active,reading,writing,waiting} (gauges),
 * nginx_connections_{accepted,handled} and nginx_http_requests_total (counters). Anything else is
 * a PromParseError, so a body that is not the page is a counted `unparsable` scrape.
 */
import { PromParseError, type PromSample, type PromType } from './parse.js';

const ACTIVE = /^Active connections:\s*(\d+)$/;
const HEADER = /^server accepts handled requests$/;
const COUNTS = /^(\d+)\s+(\d+)\s+(\d+)$/;
const STATES = /^Reading:\s*(\d+)\s+Writing:\s*(\d+)\s+Waiting:\s*(\d+)$/;

/** The series the page maps to, with the type nginx-prometheus-exporter gives each. */
export const STUB_STATUS_SERIES: ReadonlyMap<string, PromType> = new Map<string, PromType>([
  ['nginx_connections_active', 'gauge'],
  ['nginx_connections_reading', 'gauge'],
  ['nginx_connections_writing', 'gauge'],
  ['nginx_connections_waiting', 'gauge'],
  ['nginx_connections_accepted', 'counter'],
  ['nginx_connections_handled', 'counter'],
  ['nginx_http_requests_total', 'counter'],
]);

/** Same contract as parsePrometheusText: calls `onSample` per series and returns the types, or throws naming the bad line. */
export function parseStubStatus(body: string, onSample: (s: PromSample) => void): Map<string, PromType> {
  const lines = body
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const expect = (i: number, re: RegExp, what: string): RegExpExecArray => {
    const m = lines[i] === undefined ? null : re.exec(lines[i]);
    if (!m)
      throw new PromParseError(
        `line ${i + 1}: expected ${what}, got ${JSON.stringify((lines[i] ?? '(end of body)').slice(0, 40))}: not nginx stub_status text`,
      );
    return m;
  };
  const active = expect(0, ACTIVE, '"Active connections: N"');
  expect(1, HEADER, '"server accepts handled requests"');
  const counts = expect(2, COUNTS, 'three counts "accepts handled requests"');
  const states = expect(3, STATES, '"Reading: N Writing: N Waiting: N"');
  if (lines.length > 4)
    throw new PromParseError(`line 5: expected the end of the stub_status page, got ${JSON.stringify(lines[4].slice(0, 40))}`);
  const values: [string, string][] = [
    ['nginx_connections_active', active[1]],
    ['nginx_connections_reading', states[1]],
    ['nginx_connections_writing', states[2]],
    ['nginx_connections_waiting', states[3]],
    ['nginx_connections_accepted', counts[1]],
    ['nginx_connections_handled', counts[2]],
    ['nginx_http_requests_total', counts[3]],
  ];
  for (const [name, text] of values) onSample({ name, labels: {}, value: Number(text) });
  return new Map(STUB_STATUS_SERIES);
}
