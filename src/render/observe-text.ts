/**
 * The report's `observe` section in words, for the summary: per endpoint its scrapes and
 * failures, per series first → last with min and max (bytes in MB, counters as a rate per
 * second), and a gauge's trend: "flat within ±5.0 MB/h", "GROWING +12.3 MB/h ± 1.1", or why
 * it was not judged.
 */
import type { Report } from '../run/report.js';
import { fmtCount } from './format.js';
import { notJudgedLead } from './trend-reason.js';

type Endpoint = NonNullable<Report['observe']>[number];
type Series = Endpoint['series'][number];
type Trend = NonNullable<Series['trend']>;

const MB = 1048576;

function isBytes(s: Series): boolean {
  return /_bytes$/.test(s.selector.replace(/\{.*$/, '').trim());
}

/** A value in the series' unit: MB for bytes, 3 significant digits for fractions. */
function value(s: Series, v: number | null): string {
  if (v === null) return '–';
  if (isBytes(s)) return `${(v / MB).toFixed(1)} MB`;
  if (Number.isInteger(v) || Math.abs(v) >= 100) return fmtCount(Math.round(v));
  return String(Number(v.toPrecision(3)));
}

function signed(s: Series, v: number): string {
  const sign = v > 0 ? '+' : v < 0 ? '−' : '±';
  return `${sign}${value(s, Math.abs(v))}`;
}

/** A trend in words: the call first, then the slope with its 95 % half-width and window. */
export function trendText(s: Series, t: Trend): string {
  const half = (t.ci[1] - t.ci[0]) / 2;
  const window =
    t.toS - t.fromS < 120 ? `from ${t.fromS} to ${t.toS} s` : `from ${Math.round(t.fromS / 60)} to ${Math.round(t.toS / 60)} min`;
  const slope = `${signed(s, t.slopePerHour)}/h ± ${value(s, half)}/h ${window}`;
  if (t.flat === true) return `flat within ±${value(s, t.tolerancePerHour)}/h (${slope})`;
  if (t.flat === false) return `GROWING ${slope}, above ${value(s, t.tolerancePerHour)}/h`;
  return `${notJudgedLead(t.reason)}: ${slope}${t.note ? ` (${t.note})` : ''}`;
}

function seriesLine(s: Series): string {
  const rate = s.kind === 'counter' ? '/s' : '';
  const range = `${value(s, s.first)}${rate} → ${value(s, s.last)}${rate} (min ${value(s, s.min)}, max ${value(s, s.max)})`;
  const increase = s.increase !== undefined ? ` · +${fmtCount(Math.round(s.increase))} over the run` : '';
  const absent = s.absent > 0 ? ` · absent from ${fmtCount(s.absent)} scrapes` : '';
  const trend = s.trend ? ` · ${trendText(s, s.trend)}` : '';
  return `    ${s.name}: ${s.samples === 0 ? 'no value' : range}${increase}${absent}${trend}`;
}

type Check = NonNullable<Endpoint['checks']>[number];

/** "open: gateway 11,842 (max of haproxy_frontend_current_sessions) beside wsload's peak 11,842: agree". */
function checkLine(c: Check): string {
  const verdict = c.agree ? 'agree' : 'DISAGREE';
  if (c.what === 'open') {
    const why = c.agree ? '' : ' (other clients of the gateway count too; a gauge is read once per interval)';
    const self = c.self ? `, ${fmtCount(c.self)} of them the scrape itself` : '';
    return `    open connections: gateway ${fmtCount(c.gateway)} (max of ${c.series}${self}) beside wsload's peak ${fmtCount(c.wsload)} open sockets: ${verdict}${why}`;
  }
  return `    idle-timeout closes: gateway ${fmtCount(c.gateway)} (${c.series}) beside wsload's ${fmtCount(c.wsload)} behind its idle-timeout estimate: ${verdict}`;
}

function endpointLines(e: Endpoint): string[] {
  const failed = Object.values(e.failures).reduce((a, b) => a + b, 0);
  const kinds = Object.entries(e.failures)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${fmtCount(n)}`)
    .join(', ');
  const failures = failed > 0 ? `, ${fmtCount(failed)} failed (${kinds}; first: ${e.firstFailure ?? '?'})` : ', none failed';
  const omitted = e.omittedSeries ? ` · ${fmtCount(e.omittedSeries)} more series not kept` : '';
  return [
    `  ${e.name} ${e.url}: ${fmtCount(e.scrapes)} scrapes${failures}${omitted}`,
    ...e.series.map(seriesLine),
    ...(e.checks ?? []).map(checkLine),
  ];
}

/** The summary's "Observed" section; empty when nothing was observed (and for older reports). */
export function observeSummary(r: Report): string[] {
  if (!r.observe || r.observe.length === 0) return [];
  return ['Observed endpoints (Prometheus, scraped every report interval)', ...r.observe.flatMap(endpointLines)];
}
