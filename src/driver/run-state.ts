/**
 * What every phase of a run shares: the run's clock origin and tick, its warnings, the interrupt
 * (an abort listened for before anything starts), a bounded wait that worker messages wake, and
 * the things started that must be stopped on every way out (stopAll).
 */
import { nowMs } from '../clock.js';
import type { Scenario } from '../run/scenario.js';
import type { Publisher, PublishListener } from '../publisher/publisher.js';
import type { WorkerPort } from '../coordinator/coordinator.js';
import type { EmbeddedTarget } from '../target/embedded.js';
import type { RunOptions, RunPhase } from '../run/run-options.js';

export class RunState {
  readonly startedAt = new Date();
  readonly startMs = nowMs();
  /** Worker and driver tick, ms. */
  readonly tickMs: number;
  readonly warnings: string[] = [];
  phase: RunPhase = 'starting';
  /** Why the run was interrupted, or null while it was not. */
  interruptReason: string | null = null;
  /** A bug that stopped the run (it still builds the report it has), or null. */
  internalError: Error | null = null;
  /** Resolves when the run is aborted; never, otherwise. */
  readonly aborted: Promise<void>;

  // Started things, stopped by stopAll() whichever way the run ends.
  embedded: Promise<EmbeddedTarget> | null = null;
  workers: WorkerPort[] = [];
  publisher: Publisher | null = null;
  /** Relays each publish to the agents of a coordinated run; null in one process. */
  publishListener: PublishListener | null = null;
  /** Timers, samplers and files to stop or close at the end, in order. */
  private readonly cleanups: (() => void)[] = [];

  private wake: (() => void) | null = null;
  private resolveAborted: () => void = () => {};
  private readonly onAbort = (): void => this.interrupt();

  constructor(
    readonly scenario: Scenario,
    readonly options: RunOptions,
  ) {
    // Workers report at least once per report interval, or a timeline line would repeat stale
    // counts; below 100 ms the cost of encoding histograms outweighs fresher lines.
    this.tickMs = Math.min(options.tickMs ?? 1000, Math.max(100, scenario.report.intervalMs));
    this.aborted = new Promise<void>((resolve) => (this.resolveAborted = resolve));
    // Listened for before anything starts: an abort while the target starts must not be lost.
    const signal = options.signal;
    if (signal?.aborted) this.interrupt();
    else signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** True once the run was interrupted. */
  interrupted(): boolean {
    return this.interruptReason !== null;
  }

  /** Registers something to stop at the end of the run (stopAll runs them in order). */
  onCleanup(fn: () => void): void {
    this.cleanups.push(fn);
  }

  /** Wakes a waitFor() to check its condition again (a worker message, the interrupt). */
  poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /**
   * Resolves once `cond` holds or at `untilMs` (shared clock), whichever is first. One timer at a
   * time: every worker message wakes the wait (the hold is one wait of the whole duration), and a
   * timer armed per wake and never cleared re-armed itself for the rest of the hold, one more
   * per worker tick (issue 27: ~16,000 after a 2 h soak, the slow creep of RSS and CPU).
   */
  waitFor(cond: () => boolean, untilMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const check = (): void => {
        if (timer) clearTimeout(timer);
        timer = null;
        if (cond() || nowMs() >= untilMs) {
          if (this.wake === check) this.wake = null;
          return resolve();
        }
        this.wake = check;
        timer = setTimeout(() => this.poke(), Math.max(1, Math.min(250, untilMs - nowMs())));
      };
      check();
    });
  }

  /** Stops whatever the run started, whichever way it ended (return, exception, interrupt). */
  async stopAll(): Promise<void> {
    this.options.signal?.removeEventListener('abort', this.onAbort);
    for (const fn of this.cleanups) fn();
    for (const w of this.workers) void w.terminate();
    // Scheduling ends at once; requests in flight end within publish.timeout.
    if (this.publisher) void this.publisher.stop().catch(() => {});
    // A target still starting when an interrupt came is stopped once it is up.
    if (this.embedded)
      await this.embedded.then(
        (t) => t.stop(),
        () => {},
      );
  }

  /**
   * Stops the run on a bug found while it ran (an exception where none was expected): the run
   * ends as if interrupted, so the report it has is still built, and the caller learns the error.
   */
  fail(err: Error): void {
    if (this.internalError) return;
    this.internalError = err;
    this.interrupt(`internal error: ${err.message}`);
  }

  private interrupt(reason?: string): void {
    if (this.interruptReason !== null) return;
    this.interruptReason = reason ?? describeAbort(this.options.signal?.reason);
    // An interrupt must not wait out publish.timeout on requests still in flight.
    this.publisher?.abortInFlight();
    this.resolveAborted();
    this.poke();
  }
}

function describeAbort(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error) return reason.message;
  return 'aborted';
}
