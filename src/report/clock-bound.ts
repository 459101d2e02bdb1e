/**
 * How far a report's fan-out and completion latencies can be off because receipts were timed on
 * other clocks (remote agents), and whether receipts before their scheduled time show the clock
 * offset in use was wrong. Pure: read by thresholds, the verdict, merge and compare.
 *
 * A receipt cannot come before its publish was scheduled. One that does was timed with an offset
 * off by at least that much. Within the clock uncertainty the report states, that is what the
 * uncertainty allows: the offset may be off by up to the bound, the latency figures are stated ±
 * that bound, and such a receipt is no evidence of a wrong offset (failing the run for it would be
 * a false call). It is counted and shown. Beyond max(uncertainty, EARLY_TOLERANCE_MS) the offset
 * was wrong by more than it claimed and the latency figures are not a measurement: the run fails.
 * The 1 ms floor is the resolution of a remote estimate over a loopback-fast path. On one clock
 * (one process, or shards on its host) no receipt can come early at all: the tolerance is 0.
 */
import type { Report } from '../run/report.js';
import { clockUncertaintyOf } from '../run/registry.js';

export { clockUncertaintyOf };

/** The least a receipt timed on an estimated clock may come early before the run fails (a larger bound allows more). */
export const EARLY_TOLERANCE_MS = 1;

/** How early a receipt may come on a clock known to ±uncertaintyMs: max(bound, 1 ms) on an estimated clock, 0 on one clock. */
export function earlyToleranceMs(uncertaintyMs: number): number {
  return uncertaintyMs > 0 ? Math.max(uncertaintyMs, EARLY_TOLERANCE_MS) : 0;
}

/** Receipts that came early beyond what the clock uncertainty allows, where (a shard's name, or null: the run). */
export interface EarlyReceipts {
  where: string | null;
  early: number;
  earlyMaxMs: number;
  /** How early a receipt may be there: earlyToleranceMs(its clock uncertainty). */
  toleranceMs: number;
}

/** Early receipts beyond their tolerance, per shard where the report has per-shard books, else for the run. */
export function earlyBeyondBound(report: Report): EarlyReceipts[] {
  const shards = report.shards ?? [];
  if (shards.length > 0 && shards.every((s) => s.fanout !== undefined)) {
    return shards.flatMap((s) => {
      const f = s.fanout;
      if (!f || f.early === 0) return [];
      const toleranceMs = earlyToleranceMs(Math.max(0, s.clockUncertaintyMs));
      return f.earlyMaxMs > toleranceMs ? [{ where: s.name, early: f.early, earlyMaxMs: f.earlyMaxMs, toleranceMs }] : [];
    });
  }
  const early = report.fanout.early ?? 0;
  const earlyMaxMs = report.fanout.earlyMaxMs ?? 0;
  const toleranceMs = earlyToleranceMs(clockUncertaintyOf(report));
  return early > 0 && earlyMaxMs > toleranceMs ? [{ where: null, early, earlyMaxMs, toleranceMs }] : [];
}

/** One phrase for the verdict: how many came early, by how much, and what it means. */
export function earlyText(e: EarlyReceipts, uncertaintyMs: number): string {
  const where = e.where === null ? '' : ` on shard ${e.where}`;
  const bound =
    uncertaintyMs > 0 ? `the ±${round(uncertaintyMs)} ms clock uncertainty allows ${round(e.toleranceMs)} ms` : 'on one clock none can be';
  return (
    `${e.early} ${e.early === 1 ? 'delivery' : 'deliveries'}${where} arrived before their publish's scheduled time, up to ${round(e.earlyMaxMs)} ms early (${bound}): ` +
    `the clock offset in use was wrong by at least that much, so fan-out and completion latency are not a measurement (fanout.early)`
  );
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
