/**
 * What a caller of runScenario (driver/) passes in and gets back: options, progress samples, the
 * result; and what a library caller passes to `run` (RunApiOptions), down to the scenario flags it
 * overrides. The scenario, render, api and cli layers read these types, so they live in the contract
 * at the bottom (api/run.ts and api/run-options-check.ts both import them from here, not each other).
 */
import type { Worker } from 'node:worker_threads';
import type { MachineLimits } from '../machine-limits.js';
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

/** Raw flag values as commander hands them over; absent = not given. Repeatable flags are lists. */
export interface ScenarioOverrides {
  url?: string;
  connections?: string;
  duration?: string;
  workers?: string;
  shards?: string;
  ca?: string;
  insecure?: boolean;
  servername?: string;
  cert?: string;
  key?: string;
  /** "host:address" entries. */
  resolve?: string[];
  /** "Name: value" entries. */
  header?: string[];
  origin?: string;
  subprotocol?: string[];
  /** "HOST:PORT" of the Prometheus endpoint. */
  metrics?: string;
  /** Publishes per second. */
  rate?: string;
  /** client.memory's tolerance, a growth per hour like "20MB/h" (report.memory.flat). */
  memoryFlat?: string;
  /** "NAME=URL" (or "NAME:FORMAT=URL") endpoints to observe. */
  observe?: string[];
}

/** How a scenario is read and checked (scenario/validate.ts). */
export interface LoadOptions {
  /** Raw CLI flag strings applied before validation. */
  overrides?: ScenarioOverrides;
  /** Default worker count; os.availableParallelism() when absent. */
  cpus?: number;
  /** Machine limits to check connections against; unchecked when absent. */
  limits?: MachineLimits;
  /** Check that TLS files exist and parse (default true). Off for scenarios shipped without their certificates. */
  checkFiles?: boolean;
  /** This machine's addresses for checking localAddresses; default os.networkInterfaces(), null = unchecked. */
  interfaces?: readonly string[] | null;
}

/** How a scenario is validated; the defaults are the CLI's (this machine's CPUs, limits and addresses). */
export interface ScenarioOptions extends LoadOptions {
  /** Directory TLS file paths of a scenario object resolve against (default: the working directory). */
  baseDir?: string;
}

/** Options of `run`; validation options are those of loadScenario. */
export interface RunApiOptions extends ScenarioOptions {
  /**
   * Report file to write when the run ends, with its .ndjson timeline and .hlog beside it (written
   * as the run goes on). Absent or null: nothing is written (`interval` events still come). Checked
   * before the run starts (not a directory, not an input, creatable); if it fails at the end anyway,
   * the report goes to a fallback (`done` and `warning` say where), never lost.
   */
  out?: string | null;
  /** How often workers report and `progress` fires, ms (50 to 60000, default 1000; at most the report interval). */
  tickMs?: number;
  /** Aborting it is stop(): the report is still built, with interrupted: true. */
  signal?: AbortSignal;
  /**
   * Serve Prometheus metrics at http://HOST:PORT/metrics during the run ("127.0.0.1:9464"; port 0:
   * any free port, announced by the `metrics` event); overrides the scenario's metrics.listen.
   */
  metrics?: string;
  /** Hold the sockets on remote `wsload agent`s instead (as `wsload run --agents N --listen …`). */
  agents?: AgentsOptions;
  /**
   * Serve the live dashboard at http://HOST:PORT/ during the run ("127.0.0.1:8089", or a port on
   * 127.0.0.1; port 0: any free port, announced by the `dashboard` event), as `--dashboard`.
   */
  dashboard?: string;
}
