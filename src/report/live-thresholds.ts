/**
 * Thresholds and the verdict while a run goes on (the live dashboard), from what the run knows so
 * far: its progress samples (exact running totals from the aggregate) and its timeline lines. Only
 * a metric known so far is judged; one that the report alone has (handshake or publish latency,
 * percentiles other than fan-out and staleness p99) waits for the end. A counter only grows, so
 * once it breaks `==`, `<` or `<=` it has failed for good; every other judgement stands "so far".
 * The verdict at the end is the report's (report/verdict.ts), never this one.
 */
import { parseThreshold, thresholdHolds } from './thresholds.js';

/** What a run has measured so far. */
export interface LiveFigures {
  /** Sockets the run aims to hold. */
  target: number;
  /** Failed connection attempts so far. */
  failed: number;
  /** Deliveries lost so far (a publish counts once its deadline passed). */
  lost: number;
  /** Sockets closed before the end so far. */
  closes: number;
  /** Reconnects so far (the timeline lines' sum). */
  reconnects: number;
  /** Fan-out p99 so far, ms; null before the first delivery. */
  fanoutP99Ms: number | null;
  /** A server stream's staleness p99 so far, ms; null before its first message or without a stream. */
  stalenessP99Ms: number | null;
  /** Deliveries and lost deliveries of the timeline lines written so far: the base of `fanout.lost` as a percentage. */
  linesDelivered: number;
  linesLost: number;
}

/** pass and failing: so far; failed: for good (a growing counter past its limit); pending: known at the end. */
export type LiveThresholdState = 'pass' | 'failing' | 'failed' | 'pending';

/** One threshold as it stands. */
export interface LiveThreshold {
  metric: string;
  expression: string;
  state: LiveThresholdState;
  /** The value compared (ms, a count, or a percentage with `percent`); null while pending or without data. */
  actual: number | null;
  unit: 'ms' | 'count';
  percent: boolean;
}

interface LiveMetric {
  value: (f: LiveFigures) => number | null;
  /** As a percentage: its count and base; absent: the metric takes no percentage live. */
  percent?: { value: (f: LiveFigures) => number; base: (f: LiveFigures) => number };
  /** The value only grows during a run. */
  grows: boolean;
}

/** The metrics a run knows while it goes, by the names thresholds use (metrics/names.ts). */
const LIVE: Readonly<Record<string, LiveMetric>> = {
  'connections.failed': { value: (f) => f.failed, percent: { value: (f) => f.failed, base: (f) => f.target }, grows: true },
  // The percentage is the lines' own: lost and delivered booked in the same intervals.
  'fanout.lost': { value: (f) => f.lost, percent: { value: (f) => f.linesLost, base: (f) => f.linesDelivered + f.linesLost }, grows: true },
  'disconnects.total': { value: (f) => f.closes, grows: true },
  'reconnects.total': { value: (f) => f.reconnects, grows: true },
  'fanout.p99': { value: (f) => f.fanoutP99Ms, grows: false },
  'stream.staleness.p99': { value: (f) => f.stalenessP99Ms, grows: false },
};

/** Every threshold of the scenario, in its order, as it stands with `f`. */
export function liveThresholds(thresholds: Readonly<Record<string, string>>, f: LiveFigures): LiveThreshold[] {
  return Object.entries(thresholds).map(([metric, expression]): LiveThreshold => {
    const parsed = parseThreshold(metric, expression);
    const live = LIVE[metric];
    const unit = 'error' in parsed ? 'count' : parsed.metric.unit;
    const percent = !('error' in parsed) && parsed.percent;
    const pending: LiveThreshold = { metric, expression, state: 'pending', actual: null, unit, percent };
    if ('error' in parsed || live === undefined) return pending;
    const value = live.value(f);
    if (value === null) return pending;
    let actual = value;
    if (parsed.percent) {
      const base = live.percent?.base(f) ?? 0;
      // No base yet: no percentage to judge (the report would call it "no data").
      if (live.percent === undefined || base === 0) return pending;
      actual = (100 * live.percent.value(f)) / base;
    }
    if (thresholdHolds(actual, parsed.op, parsed.value)) return { ...pending, state: 'pass', actual };
    // A growing count past an upper limit never comes back (a percentage can: its base grows too).
    const forGood = live.grows && !parsed.percent && (parsed.op === '==' || parsed.op === '<' || parsed.op === '<=');
    return { ...pending, state: forGood ? 'failed' : 'failing', actual };
  });
}

/** The verdict so far: failing when a run failure has happened (failed connections, lost deliveries) or a threshold fails. */
export function liveVerdict(f: LiveFigures, thresholds: readonly LiveThreshold[]): { failing: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (f.failed > 0) reasons.push(`${f.failed} connection attempt${f.failed === 1 ? '' : 's'} failed (connections.failed)`);
  if (f.lost > 0) reasons.push(`${f.lost} deliver${f.lost === 1 ? 'y' : 'ies'} lost (fanout.lost)`);
  for (const t of thresholds)
    if (t.state === 'failed' || t.state === 'failing')
      reasons.push(`threshold ${t.metric} ${t.expression} ${t.state === 'failed' ? 'failed' : 'failing so far'}`);
  return { failing: reasons.length > 0, reasons };
}
