/**
 * Decides which closes may feed the idle-timeout estimate, by one rule for every cluster of closes
 * (closes less than 250 ms apart, at most 1 s of them). An idle timeout ends a socket with no
 * close frame once it has been idle for X, so a cluster is one when:
 * - it took only idle sockets: the idle times of everything it closed agree (within twice
 *   max(250 ms, 10 %): see idleTolerance); a cut that also took sockets active within that time is
 *   a restart or a mass drop;
 * - no socket outlived it idle: no open socket was ever seen idle longer than X (plus that
 *   allowance) without being cut, which a timeout of X would have done;
 * - and something shows it was selective: sockets active within X were open at the cut and
 *   survived it (the control group: a pinging cohort, or sockets opened later), or the closes
 *   followed each socket's own idle clock (they spread in time as the sockets went quiet, while
 *   their idle times agree). Sockets that went quiet together are cut together by a timeout too,
 *   and a restart that takes every socket at once looks the same: without controls and without
 *   that spread, a cut cannot be told from a restart.
 * Idle here is the gateway's view: since the last frame either way (pings and pongs included).
 * Closes with a close frame or made by wsload are counted by reason; closes of sockets that
 * receive traffic on a schedule are no samples (their idle time is bounded by it), though both
 * still count as what a cluster took. A cluster is judged once the open sockets' idle times (the
 * workers' IdleProfiles) are known until that allowance and one profile interval after it, so
 * survivors had time to show.
 */
import { createHistogram, recordMs, type Histogram } from './histogram.js';
import type { IdleTimeoutScreening } from '../run/report.js';
import type { CloseRecord } from '../run/protocol.js';
import { openIdleBelow, type IdleProfile } from '../run/idle-profile.js';

/** What screening needs to know about a cohort. */
export interface ScreeningCohort {
  name: string;
  /** Interval at which its sockets receive something (publishes, pongs); null when they receive nothing on a schedule. */
  receiveIntervalMs: number | null;
}

/** Closes further apart than this are separate cuts (and never one drop event: drop-events.ts PRECURSOR_GAP_MS). */
export const CLUSTER_GAP_MS = 250;
/** Longest cluster: a steady stream of cuts (a soak's reconnecting sockets) is judged a second at a time. */
export const CLUSTER_MAX_MS = 1000;
/** Fewest sockets active within the candidate timeout that must have survived a cut to call it selective. */
export const MIN_CONTROLS = 3;
/** Fewest closes in a cluster from which its time pattern is judged. */
const MIN_PATTERN_MEMBERS = 3;
/** Closes within this many ms of each other cannot be told apart from "all at once". */
const MIN_CLOSE_SPREAD_MS = 10;
/**
 * How much wider than the close times the idle times may spread and still follow the sockets'
 * idle clocks. A gateway's timers are coarse (nginx fires the timers due in one event-loop turn
 * together), which bunches its cuts in time and widens their idle times: measured behind nginx
 * (40 sockets opened over 100 ms, 2 s timeout), idle times spread 0.7× as wide as close times. A
 * restart spreads idle times as wide as the sockets' last activity, while its closes come within
 * milliseconds.
 */
const IDLE_TO_CLOSE_SPREAD = 1.5;
/**
 * Below this, the sockets of a cluster went quiet too close together in time for their cuts to
 * show whose clock they followed: a timeout and a restart then both close them within a few
 * milliseconds, and a busy worker's handling jitter is as large as the difference.
 */
export const MIN_ACTIVITY_SPREAD_MS = 50;

/**
 * How far one idle time measured at a cut may lie from the gateway's timeout, and how much more
 * recently a control must have been active: max(250 ms, 10 %). Gateways' timers are coarse (nginx
 * keeps a timer that would move by less than 300 ms, NGX_TIMER_LAZY_DELAY, so it cuts up to that
 * much early when the upstream answered the upgrade slowly), and a busy client reads an upgrade
 * answer or a close late. Two such measurements (two cuts, a cut and a survivor) may then differ
 * by twice it.
 */
export function idleTolerance(ms: number): number {
  return Math.max(250, 0.1 * ms);
}

/** Idle time at close in the gateway's view: since the last frame either way. */
export function activityIdleMs(c: CloseRecord): number {
  return Math.min(c.idleMs, c.sentIdleMs);
}

function zero(): Required<Omit<IdleTimeoutScreening, 'inDropEvent'>> {
  return { samples: 0, closeFrame: 0, clientSide: 0, receivingTraffic: 0, tookActive: 0, idleSurvived: 0, unconfirmed: 0 };
}

/** Interval at which a cohort's sockets receive traffic: the publish interval or the ping interval, whichever is shorter. */
export function receiveIntervalMs(publishRate: number | null, pingIntervalMs: number | null): number | null {
  const publishMs = publishRate !== null && publishRate > 0 ? 1000 / publishRate : null;
  if (publishMs === null) return pingIntervalMs;
  if (pingIntervalMs === null) return publishMs;
  return Math.min(publishMs, pingIntervalMs);
}

/** p95 − p5 of some values (nearest rank). */
function spread(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  return at(95) - at(5);
}

/**
 * True when closes that came together followed each socket's own idle clock: their idle times
 * agree about as closely as their close times do or better (an idle timeout), rather than their
 * close times agreeing while their idle times differ (a restart hits every socket at once).
 * Sockets whose last activity lay within MIN_ACTIVITY_SPREAD_MS of each other cannot be told
 * apart: false.
 */
export function followsIdleClock(members: readonly CloseRecord[]): boolean {
  if (members.length < MIN_PATTERN_MEMBERS) return false;
  if (spread(members.map((m) => m.atMs - activityIdleMs(m))) < MIN_ACTIVITY_SPREAD_MS) return false;
  const closeSpread = spread(members.map((m) => m.atMs));
  const idleSpread = spread(members.map(activityIdleMs));
  return closeSpread >= MIN_CLOSE_SPREAD_MS && idleSpread <= IDLE_TO_CLOSE_SPREAD * closeSpread;
}

/** What a cluster was judged to be. */
export type CutVerdict = 'idle-timeout' | 'took-active' | 'idle-survived' | 'unconfirmed';

interface Cluster {
  members: CloseRecord[];
  startAt: number;
  endAt: number;
  /** When the open sockets' idle times must be known until for the cluster to be judged. */
  readyAt: number;
}

/** Per-cohort screening counts and the idle-time histograms of the closes screened in. */
export class IdleScreening {
  readonly counts: IdleTimeoutScreening[];
  readonly samples: Histogram[];
  /** Called once per close with whether it was part of a cut judged an idle timeout. */
  onVerdict: ((c: CloseRecord, idleTimeoutCut: boolean) => void) | null = null;
  private readonly verdicts = new WeakMap<CloseRecord, boolean>();
  private current: Cluster | null = null;
  private pending: Cluster[] = [];
  /** Closes of the last moments (any cluster), to tell controls from sockets closed since a profile. */
  private recent: CloseRecord[] = [];
  /** Each worker's idle profiles, oldest first, kept while a cluster may still need them. */
  private readonly profiles = new Map<number, IdleProfile[]>();
  /** Longest idle time an open socket was seen to survive (see profile()): no timeout is shorter, less its tolerance. */
  private longestSurvivedMs = 0;
  /** Where the stream of closes has been processed up to. */
  private upTo = -Infinity;

  constructor(
    readonly cohorts: readonly ScreeningCohort[],
    /** How often workers send their idle profiles: a cut waits one more for its survivors to show. */
    private readonly profileEveryMs = 1000,
  ) {
    this.counts = cohorts.map(zero);
    this.samples = cohorts.map(() => createHistogram());
  }

  /**
   * Takes a worker's idle profile (any order across workers; in order per worker). The longest
   * idle time survived is read across two profiles: a socket idle for `maxMs` now was idle for
   * `maxMs` less the time since the previous profile then, and is still open. One profile alone
   * would also see a socket the gateway has cut but the worker has not noticed yet (a busy worker
   * runs its tick before the close is read).
   */
  profile(worker: number, p: IdleProfile): void {
    const list = this.profiles.get(worker) ?? [];
    const prev = list.length > 0 ? list[list.length - 1] : null;
    if (prev && p.atMs > prev.atMs) this.longestSurvivedMs = Math.max(this.longestSurvivedMs, p.maxMs - (p.atMs - prev.atMs));
    list.push(p);
    this.profiles.set(worker, list);
  }

  /** Whether close `c` was part of a cut judged an idle timeout; undefined until judged. */
  verdictOf(c: CloseRecord): boolean | undefined {
    return this.verdicts.get(c);
  }

  /** Takes the next close, in time order. */
  add(c: CloseRecord): void {
    const counts = this.counts[c.cohort];
    if (!counts) return this.verdict(c, false);
    if (c.cause === 'client-close' || c.cause === 'protocol-error') {
      counts.clientSide++;
      this.verdict(c, false);
      return;
    }
    const cur = this.current;
    if (cur && (c.atMs - cur.endAt > CLUSTER_GAP_MS || c.atMs - cur.startAt > CLUSTER_MAX_MS)) this.close();
    if (!this.current) this.current = { members: [], startAt: c.atMs, endAt: c.atMs, readyAt: 0 };
    this.current.members.push(c);
    this.current.endAt = Math.max(this.current.endAt, c.atMs);
    this.recent.push(c);
  }

  /** Every close up to `upToMs` has been added, and the workers' idle profiles up to about then: judges what can be judged. */
  advance(upToMs: number): void {
    this.upTo = Math.max(this.upTo, upToMs);
    if (this.current && this.upTo - this.current.endAt > CLUSTER_GAP_MS) this.close();
    const waiting: Cluster[] = [];
    for (const c of this.pending) {
      if (c.readyAt <= this.upTo) this.judge(c);
      else waiting.push(c);
    }
    this.pending = waiting;
    this.prune();
  }

  /** The run is over: judges every cluster left with what is known. */
  finish(): void {
    this.close();
    for (const c of this.pending) this.judge(c);
    this.pending = [];
  }

  private close(): void {
    const c = this.current;
    if (!c) return;
    this.current = null;
    // A loop, not Math.min(...): a mass drop of 100,000 sockets is one cluster.
    let minIdle = Infinity;
    for (const m of c.members) minIdle = Math.min(minIdle, activityIdleMs(m));
    c.readyAt = c.endAt + 2 * idleTolerance(minIdle) + this.profileEveryMs;
    this.pending.push(c);
  }

  /** Applies the rule (see the top of this file) to one cluster and counts its closes. */
  private judge(c: Cluster): void {
    const verdict = this.cutVerdict(c);
    for (const m of c.members) {
      const counts = this.counts[m.cohort];
      if (m.cause === 'server-close') counts.closeFrame++;
      else if (this.receiving(m)) counts.receivingTraffic++;
      else if (verdict === 'idle-timeout') {
        counts.samples++;
        recordMs(this.samples[m.cohort], activityIdleMs(m));
      } else if (verdict === 'took-active') counts.tookActive = (counts.tookActive ?? 0) + 1;
      else if (verdict === 'idle-survived') counts.idleSurvived = (counts.idleSurvived ?? 0) + 1;
      else counts.unconfirmed = (counts.unconfirmed ?? 0) + 1;
      this.verdict(m, verdict === 'idle-timeout');
    }
  }

  /** What one cluster of closes was. */
  private cutVerdict(c: Cluster): CutVerdict {
    const idle = c.members.map(activityIdleMs).sort((a, b) => a - b);
    const shortest = idle[0];
    const median = idle[Math.floor(idle.length / 2)];
    if (idle[idle.length - 1] - shortest > 2 * idleTolerance(median)) return 'took-active';
    if (this.longestSurvivedMs > shortest + 2 * idleTolerance(shortest)) return 'idle-survived';
    if (this.controls(c, shortest) >= MIN_CONTROLS || followsIdleClock(c.members)) return 'idle-timeout';
    return 'unconfirmed';
  }

  /**
   * Sockets open at the cut that had been active within the candidate timeout less its tolerance
   * and were not closed by then: each worker's last profile before the cut, less every close since
   * the earliest of those profiles (up to the cut's end) of a socket that had been that active.
   */
  private controls(c: Cluster, timeoutMs: number): number {
    // A socket whose last activity lies after `since` was active within timeout − tolerance at the cut.
    const since = c.startAt - (timeoutMs - idleTolerance(timeoutMs));
    let n = 0;
    let earliest = Infinity;
    for (const list of this.profiles.values()) {
      const p = latestAtOrBefore(list, c.startAt);
      if (!p || p.atMs <= since) continue;
      n += openIdleBelow(p, p.atMs - since);
      earliest = Math.min(earliest, p.atMs);
    }
    if (n === 0) return 0;
    for (const r of this.recent) if (r.atMs > earliest && r.atMs <= c.endAt && r.atMs - activityIdleMs(r) > since) n--;
    return n;
  }

  /** Drops profiles and closes no cluster still to be judged (nor a later one) can need. */
  private prune(): void {
    let from = this.upTo;
    for (const c of this.pending) from = Math.min(from, c.startAt);
    if (this.current) from = Math.min(from, this.current.startAt);
    if (!Number.isFinite(from)) return;
    let oldestKept = from;
    for (const list of this.profiles.values()) {
      // Keep the last profile at or before `from`: it describes the sockets at that moment.
      let drop = 0;
      while (drop + 1 < list.length && list[drop + 1].atMs <= from) drop++;
      if (drop > 0) list.splice(0, drop);
      if (list.length > 0) oldestKept = Math.min(oldestKept, list[0].atMs);
    }
    let stale = 0;
    while (stale < this.recent.length && this.recent[stale].atMs <= oldestKept) stale++;
    if (stale > 0) this.recent.splice(0, stale);
  }

  private verdict(c: CloseRecord, idleTimeoutCut: boolean): void {
    this.verdicts.set(c, idleTimeoutCut);
    this.onVerdict?.(c, idleTimeoutCut);
  }

  private receiving(c: CloseRecord): boolean {
    const every = this.cohorts[c.cohort].receiveIntervalMs;
    return every !== null && c.idleMs <= 2 * every;
  }
}

/** The last profile taken at or before `atMs`, or null. */
function latestAtOrBefore(list: readonly IdleProfile[], atMs: number): IdleProfile | null {
  let found: IdleProfile | null = null;
  for (const p of list) {
    if (p.atMs > atMs) break;
    found = p;
  }
  return found;
}
