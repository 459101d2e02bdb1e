/**
 * Compare rows of observed values: each observed series' last, max and min
 * (observe.<endpoint>.<series>.<last|max|min>), informational (outside the gate, as the slope
 * rows). A value is one scrape of one run, with no spread of its own, so the rule is that of every
 * figure compare has no interval for: with one run on a side it is shown, "not judged: one sample
 * per run" — a difference between two single readings cannot be told from noise, nor can their
 * agreement. With several runs on each side, the spread between the runs gives the interval: the
 * 95 % Welch interval of after − before, "same" when it lies within ± the tolerance (10 % of the
 * smaller side, the tolerance of every rate and of the event-loop lag), else shown as a change
 * (an observed series has no better or worse: a gateway's open connections are not worse for
 * being more) or inconclusive when the interval reaches both sides of a bound.
 */
import type { Report } from '../run/report.js';
import { baseRow, RATE_TOLERANCE } from './compare-counters.js';
import { welchDf } from './compare-latency.js';
import type { ComparisonRow } from './compare-types.js';
import { studentTQuantile } from './stats.js';

/** The figures of a series compared, in row order. */
export const OBSERVED_STATS = ['last', 'max', 'min'] as const;
type Stat = (typeof OBSERVED_STATS)[number];

export const ONE_SAMPLE_NOTE = 'not judged: one sample per run';

type Series = NonNullable<Report['observe']>[number]['series'][number];

function seriesOf(r: Report, endpoint: string, name: string): Series | undefined {
  return r.observe?.find((e) => e.name === endpoint)?.series.find((s) => s.name === name);
}

/** Endpoint and series both sides may carry, in the first before run's order, then the first after run's. */
function observedKeys(before: readonly Report[], after: readonly Report[]): { endpoint: string; name: string; kind: Series['kind'] }[] {
  const out: { endpoint: string; name: string; kind: Series['kind'] }[] = [];
  const seen = new Set<string>();
  for (const r of [before[0], after[0]]) {
    for (const e of r?.observe ?? []) {
      for (const s of e.series) {
        const key = `${e.name}\u0000${s.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ endpoint: e.name, name: s.name, kind: s.kind });
      }
    }
  }
  return out;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: readonly number[]): number => {
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
};
const fmt = (x: number): string =>
  Number.isInteger(x) || Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : String(Number(x.toPrecision(3)));

/** One row: a series' stat on both sides. */
function observedRow(
  before: readonly Report[],
  after: readonly Report[],
  endpoint: string,
  name: string,
  kind: Series['kind'],
  stat: Stat,
): ComparisonRow {
  const metric = `observe.${endpoint}.${name}.${stat}`;
  const description = `${stat === 'last' ? 'last' : stat === 'max' ? 'largest' : 'smallest'} value of ${endpoint} ${name} over the run${kind === 'counter' ? ' (a rate per second)' : ''}`;
  const values = (rs: readonly Report[]): (number | null)[] => rs.map((r) => seriesOf(r, endpoint, name)?.[stat] ?? null);
  const bs = values(before);
  const as = values(after);
  const runs = before.length > 1 || after.length > 1 ? { before: bs, after: as } : null;
  const present = (xs: (number | null)[]): number[] => xs.filter((x): x is number => x !== null);
  const b = present(bs);
  const a = present(as);
  const side = (xs: number[]): number | null => (xs.length === 0 ? null : mean(xs));
  const row = (verdict: ComparisonRow['verdict'], note: string, basis: ComparisonRow['basis'] = 'informational'): ComparisonRow =>
    baseRow(metric, description, 'count', 'neutral', side(b), side(a), verdict, note, basis, runs);
  if (b.length < bs.length || a.length < as.length) {
    const where = b.length < bs.length ? 'before' : 'after';
    return row('inconclusive', `not judged: a run ${where} has no value for it (not observed, or no scrape matched)`);
  }
  if (b.length === 1 && a.length === 1) return row('inconclusive', ONE_SAMPLE_NOTE);
  if (b.length === 1 || a.length === 1)
    return row('inconclusive', `not judged: one run ${b.length === 1 ? 'before' : 'after'}, no spread between runs to judge by`);
  const vb = variance(b) / b.length;
  const va = variance(a) / a.length;
  const d = mean(a) - mean(b);
  const se = Math.sqrt(va + vb);
  const half = se === 0 ? 0 : studentTQuantile(0.975, welchDf(va, a.length - 1, vb, b.length - 1)) * se;
  const tolerance = RATE_TOLERANCE * Math.min(Math.abs(mean(a)), Math.abs(mean(b)));
  const low = d - half;
  const high = d + half;
  const interval = `95 % interval of the change ${fmt(low)} to ${fmt(high)}`;
  const within = `± ${fmt(tolerance)} (${Math.round(RATE_TOLERANCE * 100)} % of the smaller side)`;
  // The interval stays in the note: the row's interval and tolerance fields are in ms (latency rows).
  if (low >= -tolerance && high <= tolerance) return row('same', `${interval}, within ${within}`, 'statistical');
  if (low > tolerance || high < -tolerance)
    return row('inconclusive', `changed: ${interval}, beyond ${within}; an observed series has no better or worse`, 'statistical');
  return row('inconclusive', `${interval} reaches beyond ${within}`, 'statistical');
}

/** The rows of every observed series either side's first run kept: last, max, min each. */
export function observedRows(before: readonly Report[], after: readonly Report[]): ComparisonRow[] {
  return observedKeys(before, after).flatMap(({ endpoint, name, kind }) =>
    OBSERVED_STATS.map((stat) => observedRow(before, after, endpoint, name, kind, stat)),
  );
}
