/**
 * What a caller of runScenario (driver/) passes in and gets back: options, progress samples, the
 * result. The render and api layers read these types too, so they live in the contract at the bottom.
 */
import type { Worker } from 'node:worker_threads';
import type { DropEvent, Report, TimelineLine } from './report.js';

export type RunPhase = 'starting' | 'ramp' | 'hold' | 'drain' | 'done';

/** A progress sample, about once a second. */
export interface Progress {
  phase: RunPhase;
  elapsedMs: number;
  open: number;
  target: number;
  failed: number;
  published: number;
  deliveriesPerSec: number;
  /** Fan-out p99 over the run so far, ms; null until the first delivery (not a 0 ms p99). */
  p99Ms: number | null;
  lost: number;
  closes: number;
  lagMs: number;
  /** A server stream's staleness p99 so far, ms (null before its first message); absent when the run has no server stream. */
  stalenessP99Ms?: number | null;
}

/** Remote agents a coordinated run waits for and drives (`wsload run --agents N --listen HOST:PORT`). */
export interface AgentsOptions {
  count: number;
  host: string;
  /** 0: any free port. */
  port: number;
  /** Shared token the agents must present (compared in constant time). */
  token: string;
  /** How long to wait for every agent before failing. */
  waitMs: number;
  /** PEM certificate and key files: the control channel is wss://. */
  tls: { cert: string; key: string } | null;
  /** An agent silent this long is lost (default 15 s). */
  silentLimitMs?: number;
  /** Called with the control channel's port once it listens (useful with port 0). */
  onListening?: (port: number) => void;
}

export interface RunOptions {
  /** Where the report will be written; the .ndjson and .hlog go beside it. Null: no soak files. */
  reportFile: string | null;
  /** Abort to stop the run early; the report is still built, marked interrupted with signal.reason. */
  signal?: AbortSignal;
  onPlan?: (line: string) => void;
  onProgress?: (p: Progress) => void;
  /** Worker tick interval; tests shorten it. */
  tickMs?: number;
  /** Called with the worker threads once spawned (embedders observe or stop them). */
  onWorkersStarted?: (workers: readonly Worker[]) => void;
  /** Called with each drop event (closes together in time) once it has ended, recovered and been judged (an idle-timeout cut or not), or at the end of the run. */
  onDropEvent?: (event: DropEvent) => void;
  /** Called at once with a problem that does not stop the run (a soak file that cannot be written, an agent refused or dropped). */
  onWarning?: (message: string) => void;
  /** Called with a line about the control channel of a coordinated run that is not a problem (an agent joined). */
  onControlInfo?: (line: string) => void;
  /**
   * Called with each timeline line once its interval is final, as it is written to the .ndjson;
   * also without a report file (the lines are then made for this hook only).
   */
  onInterval?: (line: TimelineLine) => void;
  /** Called with http://HOST:PORT/metrics once the scenario's metrics endpoint listens (the port bound when 0 was asked for). */
  onMetricsListening?: (url: string) => void;
  /** How messages name the metrics address setting ("--metrics" when the flag gave it); default "metrics.listen". */
  metricsSetting?: string;
  /** Coordinate remote agents instead of running the sockets here (local shards come from the scenario). */
  agents?: AgentsOptions;
}

export interface RunResult {
  report: Report;
  /** A bug stopped the run before its end (the report is what it had, interrupted); null when none did. */
  internalError: Error | null;
}
