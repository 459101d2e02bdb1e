/**
 * What a run keeps of one observed endpoint: per selected series its first, last, min and max and
 * sample count (running, O(1)), its values thinned to at most 1,024 over the run for the trend
 * (the client RSS's own bounded series: an 8 h soak holds no more than a 1 min run), the last
 * value for the timeline, and the scrape failures by kind. Counters are kept as a rate per second
 * between consecutive scrapes (a value lower than the last one is a restart: the rate is taken
 * from zero).
 */
import { RssSeries } from '../memory-trend.js';
import type { ObserveFormat } from '../../run/scenario.js';
import { parsePrometheusText, PromParseError, type PromSample, type PromType } from './parse.js';
import { parseStubStatus } from './stub-status.js';
import { matches, seriesKind, type Selector, type SeriesKind } from './select.js';

export type ScrapeFailure = 'timeout' | 'status' | 'unparsable' | 'tooLarge' | 'connection' | 'tls';
export const SCRAPE_FAILURES: readonly ScrapeFailure[] = ['timeout', 'status', 'unparsable', 'tooLarge', 'connection', 'tls'];

/** Series an endpoint without a `series` list keeps at most (the first found, in the body's order). */
export const MAX_SERIES_PER_ENDPOINT = 64;

export interface SeriesStats {
  key: string;
  selector: string;
  kind: SeriesKind;
  /** Rates per second for counters, values for gauges. */
  first: number | null;
  last: number | null;
  min: number | null;
  max: number | null;
  samples: number;
  /** A counter's increase over the scrapes (restarts counted from zero). */
  increase?: number;
  /** Scrapes that found no sample for the selector. */
  absent: number;
}

class SeriesState {
  stats: SeriesStats;
  readonly values = new RssSeries();
  private prevRaw: number | null = null;
  private prevAtMs = 0;

  constructor(readonly selector: Selector) {
    this.stats = {
      key: selector.key,
      selector: selector.text,
      kind: 'gauge',
      first: null,
      last: null,
      min: null,
      max: null,
      samples: 0,
      absent: 0,
    };
  }

  /** A scrape's raw value (the sum of what the selector matched), or null when nothing matched. */
  record(raw: number | null, kind: SeriesKind, atMs: number): void {
    const s = this.stats;
    if (s.samples === 0 && s.absent === 0) s.kind = kind;
    if (raw === null || !Number.isFinite(raw)) {
      s.absent++;
      return;
    }
    let value = raw;
    if (s.kind === 'counter') {
      const prev = this.prevRaw;
      const dtS = (atMs - this.prevAtMs) / 1000;
      this.prevRaw = raw;
      this.prevAtMs = atMs;
      if (prev === null || dtS <= 0) return; // a rate needs two scrapes
      const delta = raw >= prev ? raw - prev : raw;
      s.increase = (s.increase ?? 0) + delta;
      value = delta / dtS;
    }
    s.first ??= value;
    s.last = value;
    s.min = s.min === null ? value : Math.min(s.min, value);
    s.max = s.max === null ? value : Math.max(s.max, value);
    s.samples++;
    this.values.sample(atMs, value);
  }
}

export interface EndpointStats {
  name: string;
  url: string;
  scrapes: number;
  failures: Record<ScrapeFailure, number>;
  /** The first failure's words, for the summary. */
  firstFailure?: string;
  series: SeriesStats[];
  /** Series not kept: an endpoint without a series list keeps MAX_SERIES_PER_ENDPOINT. */
  omittedSeries?: number;
}

export class ObservedEndpoint {
  readonly failures: Record<ScrapeFailure, number> = { timeout: 0, status: 0, unparsable: 0, tooLarge: 0, connection: 0, tls: 0 };
  scrapes = 0;
  firstFailure: string | undefined;
  private readonly series: SeriesState[];
  /** Without a series list, every series found is kept (up to the bound), one per metric name and label set. */
  private readonly all: boolean;
  private omitted = new Set<string>();

  constructor(
    readonly name: string,
    readonly url: string,
    selectors: readonly Selector[] | null,
    private readonly format: ObserveFormat = 'prometheus',
  ) {
    this.all = selectors === null;
    this.series = (selectors ?? []).map((s) => new SeriesState(s));
  }

  /** A scrape that failed. */
  fail(kind: ScrapeFailure, words: string): void {
    this.scrapes++;
    this.failures[kind]++;
    this.firstFailure ??= `${kind}: ${words}`;
  }

  /** A scrape's body at run time `atMs`: parsed and booked, or counted unparsable. */
  ingest(body: string, atMs: number): void {
    const sums = new Map<SeriesState, number>();
    const found: PromSample[] = [];
    let types;
    try {
      const parse: (body: string, onSample: (s: PromSample) => void) => Map<string, PromType> =
        this.format === 'nginx-stub-status' ? parseStubStatus : parsePrometheusText;
      types = parse(body, (s) => {
        if (this.all) {
          found.push(s);
          return;
        }
        for (const st of this.series) {
          if (matches(st.selector, s)) sums.set(st, (sums.get(st) ?? 0) + s.value);
        }
      });
    } catch (err) {
      if (!(err instanceof PromParseError)) throw err;
      this.fail('unparsable', err.message);
      return;
    }
    this.scrapes++;
    if (this.all) {
      for (const s of found) {
        const st = this.seriesOf(s);
        if (st) sums.set(st, (sums.get(st) ?? 0) + s.value);
      }
    }
    for (const st of this.series) st.record(sums.get(st) ?? null, seriesKind(st.selector.metric, types), atMs);
  }

  /** The series of a sample when every series is kept: created on first sight, within the bound. */
  private seriesOf(s: PromSample): SeriesState | null {
    const labels = Object.entries(s.labels);
    const key = labels.length === 0 ? s.name : `${s.name}{${labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
    const existing = this.series.find((st) => st.selector.text === key);
    if (existing) return existing;
    if (this.series.length >= MAX_SERIES_PER_ENDPOINT) {
      if (this.omitted.size < 10_000) this.omitted.add(key);
      return null;
    }
    const st = new SeriesState({
      key,
      metric: s.name,
      matchers: labels.map(([label, value]) => ({ label, op: '=', value, regex: null })),
      text: key,
    });
    this.series.push(st);
    return st;
  }

  /** Each series's latest value, for the timeline line (null when its last scrape had none). */
  latest(): Record<string, number | null> {
    const out: Record<string, number | null> = {};
    for (const st of this.series) out[st.stats.key] = st.stats.last;
    return out;
  }

  /** The bounded value series of each kept series, for trends. */
  valueSeries(): { stats: SeriesStats; values: RssSeries }[] {
    return this.series.map((st) => ({ stats: st.stats, values: st.values }));
  }

  stats(): EndpointStats {
    return {
      name: this.name,
      url: this.url,
      scrapes: this.scrapes,
      failures: { ...this.failures },
      ...(this.firstFailure !== undefined ? { firstFailure: this.firstFailure } : {}),
      series: this.series.map((st) => ({ ...st.stats })),
      ...(this.omitted.size > 0 ? { omittedSeries: this.omitted.size } : {}),
    };
  }
}
