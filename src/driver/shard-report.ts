/**
 * The report's `shards` section of a spread run: per process, its sockets and handshakes (summed
 * over its workers' last snapshots), its delivery books (what a lost one owed after its last
 * snapshot included), memory, worst worker lag, clock offset and its bound, and whether it was lost.
 */
import type { RunAggregate } from '../metrics/aggregate.js';
import type { ShardState } from '../coordinator/coordinator.js';
import type { ShardReport } from '../run/report.js';
import { SATURATED_LAG_MAX_MS, SATURATED_LAG_P99_MS } from '../report/saturation.js';

/** Rounds to 0.001 ms: a clock offset finer than a microsecond means nothing here. */
const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** One entry per shard, in index order. */
export function shardReports(shards: readonly ShardState[], aggregate: RunAggregate): ShardReport[] {
  return shards.map((s) => {
    let sockets = 0;
    let opened = 0;
    let failed = 0;
    let lagMax = 0;
    let lagP99 = 0;
    const fanout = { expected: 0, delivered: 0, lost: 0, unconfirmed: 0, early: 0, earlyMaxMs: 0 };
    for (const id of s.workerIds) {
      const w = aggregate.workers[id];
      const books = aggregate.workerBooks(id);
      fanout.expected += books.expected;
      fanout.delivered += books.delivered;
      fanout.lost += books.lost;
      fanout.unconfirmed += books.unconfirmed;
      fanout.early += books.early;
      fanout.earlyMaxMs = Math.max(fanout.earlyMaxMs, round3(books.earlyMaxMs));
      sockets += w.sockets;
      opened += w.counters?.opened ?? 0;
      failed += w.counters?.failed ?? 0;
      lagMax = Math.max(lagMax, w.lag.maxMs);
      lagP99 = Math.max(lagP99, w.lag.p99Ms);
    }
    return {
      index: s.index,
      name: s.name,
      host: s.host,
      pid: s.pid,
      sockets,
      opened,
      failed,
      peakRssMb: s.peakRssMb,
      eventLoopLagMs: round3(lagMax),
      saturated: lagP99 > SATURATED_LAG_P99_MS || lagMax > SATURATED_LAG_MAX_MS,
      clockOffsetMs: round3(s.clockOffsetMs),
      clockUncertaintyMs: Number.isFinite(s.clockUncertaintyMs) ? round3(s.clockUncertaintyMs) : -1,
      clockDriftMs: round3(s.clockDriftMs),
      lost: s.lost !== null,
      ...(s.lost !== null ? { lostReason: s.lost } : {}),
      fanout,
    };
  });
}
