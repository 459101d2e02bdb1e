/**
 * Decides, close by close, which closes may feed the idle-timeout estimate. An idle timeout ends a
 * socket with no close frame, at one idle time, and each socket when *its own* idle clock runs
 * out. So a close with a close frame, a close wsload made itself, a close of a socket that kept
 * receiving traffic, and a mass drop that hit every socket at the same wall-clock moment (a
 * restart) are all something else, and are counted by reason instead.
 */
import { createHistogram, recordMs, type Histogram } from './histogram.js';
import type { IdleTimeoutScreening } from '../run/report.js';
import type { CloseRecord } from '../run/protocol.js';

/** What screening needs to know about a cohort. */
export interface ScreeningCohort {
  name: string;
  /** Interval at which its sockets receive something (publishes, pongs); null when they receive nothing on a schedule. */
  receiveIntervalMs: number | null;
}

/** Fewest closes of one cohort in a drop event from which its time pattern is judged. */
const MIN_EVENT_MEMBERS = 3;
/** Closes within this many ms of each other cannot be told apart from "all at once". */
const MIN_CLOSE_SPREAD_MS = 10;
/**
 * How much wider than the close times the idle times may spread and still be one timeout. A
 * gateway's timers are coarse (nginx fires the timers due in one event-loop turn together), which
 * bunches its cuts in time and widens their idle times: measured behind nginx (40 sockets opened
 * over 100 ms, 2 s timeout), idle times spread 0.7× as wide as close times. A restart spreads idle
 * times as wide as the sockets' last activity, while its closes come within milliseconds.
 */
const IDLE_TO_CLOSE_SPREAD = 1.5;

function zero(): IdleTimeoutScreening {
  return { samples: 0, closeFrame: 0, clientSide: 0, inDropEvent: 0, receivingTraffic: 0 };
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
 * Below this, the sockets of an event went quiet too close together in time for their cuts to show
 * whose clock they followed: a timeout and a restart then both close them within a few
 * milliseconds, and a busy worker's handling jitter is as large as the difference.
 */
export const MIN_ACTIVITY_SPREAD_MS = 50;

/**
 * True when closes that came together followed each socket's own idle clock: their idle times
 * agree about as closely as their close times do or better (an idle timeout), rather than their
 * close times agreeing while their idle times differ (a restart hits every socket at once).
 * Sockets whose last activity lay within MIN_ACTIVITY_SPREAD_MS of each other cannot be told
 * apart: false.
 */
export function followsIdleClock(members: readonly CloseRecord[]): boolean {
  if (members.length < MIN_EVENT_MEMBERS) return false;
  if (spread(members.map((m) => m.atMs - m.idleMs)) < MIN_ACTIVITY_SPREAD_MS) return false;
  const closeSpread = spread(members.map((m) => m.atMs));
  const idleSpread = spread(members.map((m) => m.idleMs));
  return closeSpread >= MIN_CLOSE_SPREAD_MS && idleSpread <= IDLE_TO_CLOSE_SPREAD * closeSpread;
}

/** Per-cohort screening counts and the idle-time histograms of the closes screened in. */
export class IdleScreening {
  readonly counts: IdleTimeoutScreening[];
  readonly samples: Histogram[];

  constructor(readonly cohorts: readonly ScreeningCohort[]) {
    this.counts = cohorts.map(zero);
    this.samples = cohorts.map(() => createHistogram());
  }

  /** Screens a close that was not part of a drop event. */
  spread(c: CloseRecord): void {
    const counts = this.counts[c.cohort];
    if (!counts) return;
    if (this.byCause(c)) return;
    if (this.receiving(c)) counts.receivingTraffic++;
    else this.take(c);
  }

  /**
   * Screens the closes of one drop event, once it has ended: they count only if their cohort
   * receives nothing on a schedule and they followed each socket's idle clock. A socket that
   * receives publishes or pongs is never idle long enough to be cut en masse by a timeout; when
   * one seems to be, the worker was busy with the burst of closes and its idle times grew with the
   * delay (measured: 200 sockets receiving 10 publishes/s destroyed at once read as idle 454 ms).
   */
  event(members: readonly CloseRecord[]): void {
    const byCohort = new Map<number, CloseRecord[]>();
    for (const m of members) {
      if (!this.counts[m.cohort] || this.byCause(m)) continue;
      if (this.cohorts[m.cohort].receiveIntervalMs !== null) {
        this.counts[m.cohort].inDropEvent++;
        continue;
      }
      const list = byCohort.get(m.cohort) ?? [];
      list.push(m);
      byCohort.set(m.cohort, list);
    }
    for (const [cohort, list] of byCohort) {
      if (followsIdleClock(list)) for (const m of list) this.take(m);
      else this.counts[cohort].inDropEvent += list.length;
    }
  }

  /** Counts closes with a close frame or made by the client; true when the close was one of those. */
  private byCause(c: CloseRecord): boolean {
    const counts = this.counts[c.cohort];
    if (c.cause === 'server-close') counts.closeFrame++;
    else if (c.cause === 'client-close' || c.cause === 'protocol-error') counts.clientSide++;
    else return false;
    return true;
  }

  private receiving(c: CloseRecord): boolean {
    const every = this.cohorts[c.cohort].receiveIntervalMs;
    return every !== null && c.idleMs <= 2 * every;
  }

  private take(c: CloseRecord): void {
    this.counts[c.cohort].samples++;
    recordMs(this.samples[c.cohort], c.idleMs);
  }
}
