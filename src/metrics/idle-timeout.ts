/**
 * Reads a gateway's effective idle timeout off the idle-at-close distribution. A gateway cuts a
 * socket after a fixed stretch without traffic, so the drops of a cohort that stays silent cluster
 * at one idle time however old the sockets were. Only closes screened in by close-screening.ts
 * count (no close frame, idle well past the socket's receive interval, in a cut that took only
 * idle sockets while sockets active within its time survived); when none do, the note says why.
 */
import type { Histogram } from './histogram.js';
import type { CloseCause, IdleTimeoutEstimate, IdleTimeoutScreening } from '../run/report.js';
import type { Cohort } from '../run/scenario.js';
import { formatDuration } from '../duration.js';
import { idleTolerance } from './close-screening.js';
import type { ProtocolHeartbeat } from './protocol-heartbeat.js';

/** What the estimator needs to know about one cohort. */
export interface CohortDrops {
  name: string;
  /** Idle time at close of the closes screened in as idle-timeout samples (see close-screening.ts), µs. */
  samples: Histogram;
  /** How the cohort's closes were screened; null for reports of older versions (every close was a sample). */
  screening: IdleTimeoutScreening | null;
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
  samples: Histogram,
  screening: IdleTimeoutScreening | null,
  byCause: Partial<Record<CloseCause, number>>,
  sockets: number,
): CohortDrops {
  return {
    name: cohort.name,
    samples,
    screening,
    connectionLost: byCause['connection-lost'] ?? 0,
    serverClose: byCause['server-close'] ?? 0,
    pingIntervalMs: cohort.pingIntervalMs,
    heartbeatIntervalMs: cohort.heartbeat?.intervalMs ?? null,
    sockets,
  };
}

/** Why a cohort's closes gave no samples, in words, or null when nothing was screened out. */
function screenedOut(s: IdleTimeoutScreening): string | null {
  const parts: string[] = [];
  const n = (count: number | undefined, what: string): void => {
    if (count !== undefined && count > 0) parts.push(`${count} ${what}`);
  };
  n(
    s.tookActive,
    'were cut together with sockets active within their idle time: a restart or a mass drop, not a timeout (see disconnects.events)',
  );
  n(s.idleSurvived, 'were cut while sockets idle longer than them stayed open: a timeout would have cut those too');
  n(
    s.unconfirmed,
    'were cut with no socket active within their idle time left open to show the cut was selective, and not one by one as each socket went quiet: ' +
      'a restart looks the same (a cohort that pings more often than the timeout tells them apart)',
  );
  // Reports of older versions.
  n(
    s.inDropEvent,
    `came in drop events that hit sockets at once whatever their idle time, or whose sockets went quiet within 50 ms of each other so a timeout cannot be told from a mass drop (see disconnects.events; a slower connectRate spreads the cuts)`,
  );
  n(s.closeFrame, s.closeFrame === 1 ? 'had a server close frame' : 'had server close frames');
  n(s.clientSide, 'were closed by the client itself (protocol error or ping flood)');
  n(s.receivingTraffic, 'were idle no longer than twice the interval at which they receive publishes or pongs');
  return parts.length > 0 ? parts.join(', ') : null;
}

export interface IdleTimeoutVerdict {
  estimate: IdleTimeoutEstimate | null;
  note: string | null;
  survivingCohorts: string[];
  recommendation: string | null;
}

/** Fewest drops in one cluster we trust for an estimate. */
export const MIN_SAMPLES = 3;

/**
 * Width the samples of one timeout may have: p95 − p5 within twice max(250 ms, 10 % of the
 * median), as two cuts of one timeout may differ in the screening (each idle time may be off by
 * idleTolerance: nginx cuts up to 300 ms early after a slow upstream answer, a busy client reads late).
 */
function clusterTolerance(medianMs: number): number {
  return 2 * idleTolerance(medianMs);
}

/**
 * Estimate, surviving cohorts and a plain recommendation. With the scenario's protocol heartbeat
 * (`protocol-heartbeat.ts`) the note names it whether or not there is an estimate (the gateway saw
 * it as traffic), and the recommendation is about that heartbeat rather than WebSocket pings.
 */
export function estimateIdleTimeout(cohorts: CohortDrops[], heartbeat: ProtocolHeartbeat | null = null): IdleTimeoutVerdict {
  const survivors = cohorts.filter((c) => c.sockets > 0 && c.connectionLost + c.serverClose === 0).map((c) => c.name);
  let best: IdleTimeoutEstimate | null = null;
  const reasons: string[] = [];
  for (const c of cohorts) {
    const n = c.samples.totalCount;
    const out = c.screening ? screenedOut(c.screening) : null;
    if (n === 0) {
      if (out) reasons.push(`cohort ${c.name}: no close qualifies as an idle timeout: ${out}`);
      continue;
    }
    if (n < MIN_SAMPLES) {
      reasons.push(`cohort ${c.name}: only ${n} drop${n === 1 ? '' : 's'} (need ${MIN_SAMPLES})${out ? `; besides, ${out}` : ''}`);
      continue;
    }
    const p5 = c.samples.getValueAtPercentile(5) / 1000;
    const p50 = c.samples.getValueAtPercentile(50) / 1000;
    const p95 = c.samples.getValueAtPercentile(95) / 1000;
    const spread = p95 - p5;
    if (spread > clusterTolerance(p50)) {
      reasons.push(`cohort ${c.name}: idle times at close spread from ${formatDuration(p5)} to ${formatDuration(p95)}, not one timeout`);
      continue;
    }
    const candidate: IdleTimeoutEstimate = {
      estimateMs: Math.round(p50 * 10) / 10,
      spreadMs: Math.round(spread * 10) / 10,
      samples: n,
      cohort: c.name,
    };
    if (!best || candidate.samples > best.samples || (candidate.samples === best.samples && candidate.spreadMs < best.spreadMs))
      best = candidate;
  }
  let note: string | null = null;
  if (!best) {
    const drops = cohorts.reduce((s, c) => s + c.connectionLost + c.serverClose + c.samples.totalCount, 0);
    note = reasons.join('; ') || (drops === 0 ? 'no socket was dropped during the run' : 'drops do not cluster at one idle time');
  }
  if (heartbeat !== null) note = note === null ? heartbeat.note : `${note}; ${heartbeat.note}`;
  const recommendation = heartbeat?.beat ? recommendBeat(best, heartbeat.beat) : recommend(best, cohorts, survivors);
  return { estimate: best, note, survivingCohorts: survivors, recommendation };
}

/** With a protocol heartbeat the lever is that heartbeat: the gateway cut sockets it kept busy less often than its timeout. */
function recommendBeat(best: IdleTimeoutEstimate | null, beat: string): string | null {
  if (!best) return null;
  const t = formatDuration(best.estimateMs);
  return `sockets idle for ${t} were cut (1006, no close frame) although they had ${beat}: make the protocol's heartbeat shorter than ${t} or raise the gateway's idle timeout above it`;
}

function keepaliveOf(c: CohortDrops): number | null {
  return c.pingIntervalMs ?? c.heartbeatIntervalMs ?? null;
}

function recommend(best: IdleTimeoutEstimate | null, cohorts: CohortDrops[], survivors: string[]): string | null {
  if (!best) return null;
  // Samples are closes without a close frame (legacy reports: all closes, mostly so).
  const first = `sockets idle for ${formatDuration(best.estimateMs)} were cut (1006, no close frame)`;
  const alive = cohorts
    .filter((c) => survivors.includes(c.name) && keepaliveOf(c) !== null)
    .sort((a, b) => (keepaliveOf(b) ?? 0) - (keepaliveOf(a) ?? 0));
  if (alive.length > 0) {
    return `${first}; cohort ${alive[0].name} survived: keep client pings under ${formatDuration(best.estimateMs)} or raise the gateway's idle timeout`;
  }
  return `${first}; no pinging cohort survived: ping more often than every ${formatDuration(best.estimateMs)} or raise the gateway's idle timeout`;
}
