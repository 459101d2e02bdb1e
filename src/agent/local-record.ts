/**
 * What an agent measured, kept on the agent as it relays it, so that an agent that loses its
 * coordinator (silent past its bound, its connection gone, a bad frame) still leaves it somewhere:
 * the last cumulative counters of each of its workers and their histograms summed. Written as one
 * JSON file (docs/distributed.md describes it) and summed into one line for the log.
 */
import { hostname } from 'node:os';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { addInto, createHistogram, decodeHistogram, encodeHistogram, type Histogram } from '../metrics/histogram.js';
import { writeJsonAtomic } from '../report/write.js';
import type { CohortCounters, WorkerCounters, WorkerMessage } from '../run/protocol.js';
import { VERSION } from '../version.js';

/** The file's kind and version, its first field. */
export const AGENT_RECORD_FORMAT = 1;

/** One worker as the agent last heard from it. */
export interface AgentRecordWorker {
  workerId: number;
  sockets: number;
  /** Its final tick came (its sockets were closed and counted). */
  final: boolean;
  /** Why it ended without one (crashed, terminated), or null. */
  ended: string | null;
  /** Cumulative counters of its last tick; null before its first. */
  counters: WorkerCounters | null;
  cohorts: CohortCounters[] | null;
}

/** The agent's record file. */
export interface AgentRecord {
  wsloadAgentRecord: typeof AGENT_RECORD_FORMAT;
  version: string;
  agent: { name: string; host: string; pid: number };
  coordinator: string;
  /** Why the agent wrote it: how it lost its coordinator. */
  reason: string;
  startedAt: string;
  endedAt: string;
  sockets: number;
  /** Sums over its workers' last counters. */
  totals: { opened: number; failed: number; delivery: Record<string, number> };
  workers: AgentRecordWorker[];
  /** HdrHistogram V2 compressed base64 (µs), each summed over its workers, by the name workers use. */
  histograms: Record<string, string>;
}

export class LocalRecord {
  private readonly startedAt = new Date();
  private readonly workers = new Map<number, AgentRecordWorker>();
  private readonly histograms = new Map<string, Histogram>();
  private undecodable = 0;

  constructor(
    private readonly name: string,
    private readonly coordinator: string,
  ) {}

  /** The workers this agent was given. */
  assigned(workers: readonly { workerId: number; sockets: number }[]): void {
    for (const w of workers)
      this.workers.set(w.workerId, { workerId: w.workerId, sockets: w.sockets, final: false, ended: null, counters: null, cohorts: null });
  }

  /** True once it was given workers. */
  get holdsAny(): boolean {
    return this.workers.size > 0;
  }

  /** One message of its workers, as it is relayed. */
  take(msg: WorkerMessage): void {
    const w = this.workers.get(msg.workerId);
    if (!w) return;
    if (msg.type === 'fatal') w.ended ??= msg.error.message;
    if (msg.type !== 'tick') return;
    w.counters = msg.counters;
    w.cohorts = msg.cohorts;
    if (msg.final) w.final = true;
    for (const [key, encoded] of Object.entries(msg.histograms)) {
      let h = this.histograms.get(key);
      if (!h) this.histograms.set(key, (h = createHistogram()));
      try {
        addInto(h, decodeHistogram(encoded));
      } catch {
        // Its own worker's encoding: cannot fail short of a bug; counted, never thrown on the relay.
        this.undecodable++;
      }
    }
  }

  /** A worker ended without its final tick. */
  gone(workerId: number, reason: string): void {
    const w = this.workers.get(workerId);
    if (w && !w.final) w.ended ??= reason;
  }

  /** The record as written. */
  toRecord(reason: string): AgentRecord {
    const workers = [...this.workers.values()].sort((a, b) => a.workerId - b.workerId);
    const delivery: Record<string, number> = {};
    let opened = 0;
    let failed = 0;
    for (const w of workers) {
      if (!w.counters) continue;
      opened += w.counters.opened;
      failed += w.counters.failed;
      for (const [k, v] of Object.entries(w.counters.delivery)) if (typeof v === 'number') delivery[k] = (delivery[k] ?? 0) + v;
    }
    return {
      wsloadAgentRecord: AGENT_RECORD_FORMAT,
      version: VERSION,
      agent: { name: this.name, host: hostname(), pid: process.pid },
      coordinator: this.coordinator,
      reason: this.undecodable > 0 ? `${reason} (${this.undecodable} histogram deltas could not be decoded and are missing)` : reason,
      startedAt: this.startedAt.toISOString(),
      endedAt: new Date().toISOString(),
      sockets: workers.reduce((a, w) => a + w.sockets, 0),
      totals: { opened, failed, delivery },
      workers,
      histograms: Object.fromEntries([...this.histograms].map(([k, h]) => [k, encodeHistogram(h)])),
    };
  }

  /** "50 sockets opened, 1,200 of 1,200 deliveries delivered, 0 lost". */
  summary(record: AgentRecord): string {
    const d = record.totals.delivery;
    const n = (x: number | undefined): string => (x ?? 0).toLocaleString('en-US');
    return `${n(record.totals.opened)} of ${n(record.sockets)} sockets opened, ${n(d.delivered)} of ${n(d.expected)} deliveries delivered, ${n(d.lost)} lost`;
  }

  /**
   * Writes the record to `file`, or to the system temp directory when that fails (a read-only
   * working directory in a container); the path written, or null with why neither could be.
   */
  write(file: string, record: AgentRecord): { path: string | null; failure: string | null } {
    const failures: string[] = [];
    for (const candidate of [file, join(tmpdir(), basename(file))]) {
      try {
        writeJsonAtomic(candidate, record);
        return { path: candidate, failure: failures.length > 0 ? failures.join('; ') : null };
      } catch (err) {
        failures.push(`${candidate}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return { path: null, failure: failures.join('; ') };
  }
}
