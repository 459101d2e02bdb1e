/**
 * Each run's histogram and blocks of one latency family, as compare judges them: the fan-out
 * counted over every expected delivery when any run lost or left unsent some (lost ones per block
 * at the deadline, never-sent ones in the last block), completion with never-sent publishes, and
 * each run's block bootstrap, computed once per comparison. Pure: reports in, buckets out.
 */
import { decodeHistogram, histogramBuckets, type Histogram, type HistogramBuckets } from '../metrics/histogram.js';
import type { IntervalFamily } from '../metrics/interval-blocks.js';
import { InternalError, ReportFormatError } from '../errors.js';
import { histogramOfFamily, type HistogramDef } from '../run/registry.js';
import type { Report } from '../run/report.js';
import { BOOTSTRAP_RESAMPLES, bootstrapQuantiles, hashSeed } from './bootstrap.js';
import { censorDeadlineMs, censoredCompletionHistogram, censoredFanoutHistogram, deliveriesPerPublish } from './censored.js';
import { reportHistogram } from './read.js';

/** The percentiles compare judges, as quantiles, in the order the bootstrap reads them. */
export const QUANTILE = { p50: 0.5, p75: 0.75, p90: 0.9, p95: 0.95, p99: 0.99, p999: 0.999 } as const;
export const QUANTILES: readonly number[] = Object.values(QUANTILE);

/** Latency families compare shows (src/run/registry.ts says which histogram backs each). */
export type Family = 'fanout' | 'completion' | 'handshake' | 'publish' | 'stream.staleness';

/** The registered histogram behind a latency family. */
export function familyDef(family: Family): HistogramDef {
  const def = histogramOfFamily(family);
  if (!def) throw new InternalError(`compare: latency family ${family} is not registered in src/run/registry.ts`);
  return def;
}

/** Which block family of Report.intervals backs a latency family. */
const BLOCKS_OF: Record<Family, IntervalFamily> = {
  fanout: 'fanout',
  completion: 'completion',
  handshake: 'handshake',
  publish: 'publish',
  'stream.staleness': 'streamStaleness',
};

/** Per run and family: its histogram, blocks and bootstrap, computed once per comparison. */
export class RunData {
  private readonly cache = new Map<
    Report,
    Map<string, { hist: Histogram | null; blocks: HistogramBuckets[] | null; resampled?: Float64Array[] }>
  >();

  constructor(
    /** Fan-out counts lost and never-sent deliveries (some run of the comparison had some). */
    readonly censorFanout: boolean,
  ) {}

  histogram(r: Report, family: Family): Histogram | null {
    return this.entry(r, family).hist;
  }

  blocks(r: Report, family: Family): HistogramBuckets[] | null {
    return this.entry(r, family).blocks;
  }

  /** Bootstrap percentiles (µs) of the run's blocks, one array per QUANTILES entry. */
  resampled(r: Report, family: Family): Float64Array[] {
    const e = this.entry(r, family);
    // The seed is the run's own data, so each run draws the same resamples in any position.
    e.resampled ??= bootstrapQuantiles(
      e.blocks ?? [],
      QUANTILES,
      BOOTSTRAP_RESAMPLES,
      hashSeed([family, r.startedAt, ...encodedBlocks(r, BLOCKS_OF[family])]),
    );
    return e.resampled;
  }

  private entry(r: Report, family: Family): { hist: Histogram | null; blocks: HistogramBuckets[] | null; resampled?: Float64Array[] } {
    let m = this.cache.get(r);
    if (!m) this.cache.set(r, (m = new Map()));
    let e = m.get(family);
    if (!e) m.set(family, (e = { hist: this.familyHistogram(r, family), blocks: this.familyBlocks(r, family) }));
    return e;
  }

  private familyHistogram(r: Report, family: Family): Histogram | null {
    if (family === 'fanout' && this.censorFanout) return censoredFanoutHistogram(r);
    if (family === 'completion') return censoredCompletionHistogram(r);
    return reportHistogram(r, familyDef(family).key);
  }

  private familyBlocks(r: Report, family: Family): HistogramBuckets[] | null {
    const encoded = encodedBlocksOrNull(r, BLOCKS_OF[family]);
    if (encoded === null) return null;
    const where = BLOCKS_OF[family] === 'handshake' ? 'intervals.handshake.blocks' : `intervals.${BLOCKS_OF[family]}`;
    const blocks = encoded.map((e, i) => {
      if (e === '') return null;
      try {
        return histogramBuckets(decodeHistogram(e));
      } catch (err) {
        throw new ReportFormatError(`${where}[${i}]: not a valid encoded HdrHistogram (${(err as Error).message})`);
      }
    });
    if (family === 'fanout' && this.censorFanout) return censorBlocks(r, blocks);
    if (family === 'completion')
      return withUnsentInLast(
        r,
        blocks.filter((b): b is HistogramBuckets => b !== null && b.total > 0),
        1,
      );
    return blocks.filter((b): b is HistogramBuckets => b !== null && b.total > 0);
  }
}

/** A family's encoded blocks; null when the report carries none (written before wsload kept them). */
function encodedBlocksOrNull(r: Report, f: IntervalFamily): readonly string[] | null {
  const iv = r.intervals;
  if (!iv) return null;
  if (f === 'handshake') return iv.handshake?.blocks ?? null;
  return iv[f] ?? null;
}

function encodedBlocks(r: Report, f: IntervalFamily): readonly string[] {
  return encodedBlocksOrNull(r, f) ?? [];
}

/** `b` with `count` more samples at `us`, buckets kept ascending. */
function withSamples(b: HistogramBuckets | null, us: number, count: number): HistogramBuckets {
  const values = b ? Array.from(b.valuesUs) : [];
  const lowest = b ? Array.from(b.lowestUs) : [];
  const counts = b ? Array.from(b.counts) : [];
  const at = values.findIndex((v) => v >= us);
  if (at >= 0 && values[at] === us) counts[at] += count;
  else if (at >= 0) {
    values.splice(at, 0, us);
    lowest.splice(at, 0, us);
    counts.splice(at, 0, count);
  } else {
    values.push(us);
    lowest.push(us);
    counts.push(count);
  }
  return {
    valuesUs: Float64Array.from(values),
    lowestUs: Float64Array.from(lowest),
    counts: Float64Array.from(counts),
    total: (b?.total ?? 0) + count,
  };
}

/** Fan-out blocks with each block's lost deliveries at the deadline, and never-sent deliveries in the last block (the hold's end). */
function censorBlocks(r: Report, blocks: (HistogramBuckets | null)[]): HistogramBuckets[] {
  const deadlineUs = Math.round((censorDeadlineMs(r) ?? 0) * 1000);
  const lost = r.intervals?.lost ?? [];
  const out: (HistogramBuckets | null)[] = blocks.map((b, i) => (lost[i] ? withSamples(b, deadlineUs, lost[i]) : b));
  for (let i = blocks.length; i < lost.length; i++) if (lost[i]) out.push(withSamples(null, deadlineUs, lost[i]));
  // Reports written before lost were kept per block: their lost deliveries go to the last block.
  if (r.intervals && r.intervals.lost === undefined && r.fanout.lost > 0) {
    let last = out.length - 1;
    while (last >= 0 && out[last] === null) last--;
    if (last >= 0) out[last] = withSamples(out[last], deadlineUs, r.fanout.lost);
  }
  return withUnsentInLast(
    r,
    out.filter((b): b is HistogramBuckets => b !== null && b.total > 0),
    deliveriesPerPublish(r),
  );
}

/** Never-sent publishes (their waits, `per` samples each) added to the last block: they were given up at the hold's end. */
function withUnsentInLast(r: Report, blocks: HistogramBuckets[], per: number): HistogramBuckets[] {
  const encoded = r.histograms.unsent;
  if (!encoded || blocks.length === 0 || per <= 0) return blocks;
  const u = histogramBuckets(decodeHistogram(encoded));
  let last = blocks[blocks.length - 1];
  for (let i = 0; i < u.valuesUs.length; i++) last = withSamples(last, u.valuesUs[i], u.counts[i] * per);
  return [...blocks.slice(0, -1), last];
}
