/**
 * Reads a gateway's effective idle timeout off the idle-at-close distribution. A gateway cuts a
 * socket after a fixed stretch without traffic, so the drops of a cohort that stays silent cluster
 * at one idle time however old the sockets were; drops for other reasons (restarts, resets,
 * config pushes) spread out.
 */
import type { Histogram } from './histogram.js';
import type { CloseCause, IdleTimeoutEstimate } from '../report/types.js';
import type { Cohort } from '../scenario/types.js';
import { formatDuration } from '../duration.js';

/** What the estimator needs to know about one cohort. */
export interface CohortDrops {
  name: string;
  /** Idle time (since last frame received) at each drop during the run, µs. */
  idleAtClose: Histogram;
  /** Drops without a close frame (1006). */
  connectionLost: number;
  /** Drops with a server close frame. */
  serverClose: number;
  pingIntervalMs: number | null;
  heartbeatIntervalMs: number | null;
  /** Handshakes that succeeded in this cohort (0: it never connected, so it cannot have survived). */
  sockets: number;
}

/** The estimator's view of a cohort, from its scenario entry and what its sockets went through. */
export function cohortDrops(
  cohort: Cohort,
  idleAtClose: Histogram,
  byCause: Partial<Record<CloseCause, number>>,
  sockets: number,
): CohortDrops {
  return {
    name: cohort.name,
    idleAtClose,
    connectionLost: byCause['connection-lost'] ?? 0,
    serverClose: byCause['server-close'] ?? 0,
    pingIntervalMs: cohort.pingIntervalMs,
    heartbeatIntervalMs: cohort.heartbeat?.intervalMs ?? null,
    sockets,
  };
}

export interface IdleTimeoutVerdict {
  estimate: IdleTimeoutEstimate | null;
  note: string | null;
  survivingCohorts: string[];
  recommendation: string | null;
}

/** Fewest drops in one cluster we trust for an estimate. */
export const MIN_SAMPLES = 3;

/** Relative width a cluster may have: p95 − p5 within 10% of the median (and at least 250 ms). */
function clusterTolerance(medianMs: number): number {
  return Math.max(250, 0.1 * medianMs);
}

/** Estimate, surviving cohorts and a plain recommendation. */
export function estimateIdleTimeout(cohorts: CohortDrops[]): IdleTimeoutVerdict {
  const survivors = cohorts.filter((c) => c.sockets > 0 && c.connectionLost + c.serverClose === 0).map((c) => c.name);
  let best: IdleTimeoutEstimate | null = null;
  const reasons: string[] = [];
  for (const c of cohorts) {
    const n = c.idleAtClose.totalCount;
    if (n === 0) continue;
    if (n < MIN_SAMPLES) {
      reasons.push(`cohort ${c.name}: only ${n} drop${n === 1 ? '' : 's'} (need ${MIN_SAMPLES})`);
      continue;
    }
    const p5 = c.idleAtClose.getValueAtPercentile(5) / 1000;
    const p50 = c.idleAtClose.getValueAtPercentile(50) / 1000;
    const p95 = c.idleAtClose.getValueAtPercentile(95) / 1000;
    const spread = p95 - p5;
    if (spread > clusterTolerance(p50)) {
      reasons.push(`cohort ${c.name}: idle times at close spread from ${formatDuration(p5)} to ${formatDuration(p95)}, not one timeout`);
      continue;
    }
    const candidate: IdleTimeoutEstimate = { estimateMs: Math.round(p50 * 10) / 10, spreadMs: Math.round(spread * 10) / 10, samples: n, cohort: c.name };
    if (!best || candidate.samples > best.samples || (candidate.samples === best.samples && candidate.spreadMs < best.spreadMs)) best = candidate;
  }
  let note: string | null = null;
  if (!best) {
    const drops = cohorts.reduce((s, c) => s + c.idleAtClose.totalCount, 0);
    note = drops === 0 ? 'no socket was dropped during the run' : reasons.join('; ') || 'drops do not cluster at one idle time';
  }
  return { estimate: best, note, survivingCohorts: survivors, recommendation: recommend(best, cohorts, survivors) };
}

function keepaliveOf(c: CohortDrops): number | null {
  return c.pingIntervalMs ?? c.heartbeatIntervalMs ?? null;
}

function recommend(best: IdleTimeoutEstimate | null, cohorts: CohortDrops[], survivors: string[]): string | null {
  if (!best) return null;
  const cut = cohorts.find((c) => c.name === best.cohort);
  const how = cut && cut.connectionLost >= cut.serverClose ? '1006, no close frame' : 'server close frame';
  const first = `sockets idle for ${formatDuration(best.estimateMs)} were cut (${how})`;
  const alive = cohorts
    .filter((c) => survivors.includes(c.name) && keepaliveOf(c) !== null)
    .sort((a, b) => (keepaliveOf(b) ?? 0) - (keepaliveOf(a) ?? 0));
  if (alive.length > 0) {
    return `${first}; cohort ${alive[0].name} survived: keep client pings under ${formatDuration(best.estimateMs)} or raise the gateway's idle timeout`;
  }
  return `${first}; no pinging cohort survived: ping more often than every ${formatDuration(best.estimateMs)} or raise the gateway's idle timeout`;
}
