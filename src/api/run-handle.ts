/**
 * The handle `run` returns: awaitable for the report (like autocannon's instance) and an event
 * emitter while the run goes on, with stop() to end it early and still get the report.
 */
import { EventEmitter } from 'node:events';
import type { Progress } from '../run/run-options.js';
import type { DropEvent, Report, TimelineLine } from '../run/report.js';

/** One drop event (sockets closed together in time), as `report.disconnects.events[]` lists it. */
export type DisconnectEvent = DropEvent;

/** Events of a run; plan comes once, progress and interval while it runs, done last with the report. */
export interface RunEvents {
  /** The one-line plan (sockets, workers, target, publishing), once the target is known. */
  plan: [line: string];
  /** http://HOST:PORT/metrics once the Prometheus endpoint listens (the `metrics` option or the scenario's metrics.listen). */
  metrics: [url: string];
  /** http://HOST:PORT/ of the live dashboard once it listens (the `dashboard` option). */
  dashboard: [url: string];
  /** ws://HOST:PORT (wss:// with TLS) once the control channel listens for the agents (the `agents` option). */
  agents: [url: string];
  /** A line about the control channel that is not a problem (an agent joined), with `agents`. */
  'control-info': [line: string];
  /** A progress sample, once a tick. */
  progress: [progress: Progress];
  /** A timeline line, once a report interval is final (the same line the .ndjson gets, with or without `out`). */
  interval: [line: TimelineLine];
  /** A drop event, once it has ended (see DisconnectEvent). */
  'disconnect-event': [event: DisconnectEvent];
  /**
   * The finished report, after it was written when `out` was given; `file` is where it went: `out`,
   * a fallback when `out` could not be written at the end (a `warning` says why), or null (no `out`,
   * or no place could take it).
   */
  done: [report: Report, file: string | null];
  /**
   * A bug in wsload stopped the run before its end: the report (still the handle's value, and
   * written) is what the run had measured, marked interrupted. Before `done`.
   */
  'internal-error': [error: Error];
  /** A problem that did not stop the run: a soak file that cannot be written, the report written to a fallback. */
  warning: [message: string];
  /** Why the run failed; emitted only when someone listens (awaiting the handle also rejects). */
  error: [error: Error];
}

/** What the run body gets from its handle: a way to emit safely and the stop request. */
export interface RunContext {
  emit<K extends keyof RunEvents>(event: K, ...args: RunEvents[K]): void;
  /** Aborted by stop() (or by a listener that threw); its reason is the interrupt reason. */
  stopSignal: AbortSignal;
}

/** A run in progress: `await` it for the Report, listen to its events, stop() it. */
export class RunHandle extends EventEmitter<RunEvents> implements PromiseLike<Report> {
  private readonly result: Promise<Report>;
  private readonly stopper = new AbortController();
  private listenerError: unknown = null;
  /** Promises returned by async listeners, not settled yet: the handle settles after them. */
  private readonly pending = new Set<Promise<void>>();

  /** Starts `body` on the next microtask, so listeners attached right after run() see every event. */
  constructor(body: (ctx: RunContext) => Promise<Report>) {
    super();
    const ctx: RunContext = { emit: (event, ...args) => this.emitSafely(event, ...args), stopSignal: this.stopper.signal };
    this.result = Promise.resolve()
      .then(() => body(ctx))
      .then(
        async (report) => {
          await this.listenersSettled();
          if (this.listenerError !== null) throw this.listenerError;
          return report;
        },
        async (err: unknown) => {
          await this.listenersSettled();
          throw err;
        },
      );
    // A caller may use only the events; a failure then reaches 'error' listeners, never an
    // unhandled rejection that would end the caller's process.
    this.result.catch((err: unknown) => {
      if (this.listenerCount('error') > 0) this.emit('error', err instanceof Error ? err : new Error(String(err)));
    });
  }

  /** Ends the run early; the report is still built, with interrupted: true and this reason. */
  stop(reason = 'stopped'): void {
    if (!this.stopper.signal.aborted) this.stopper.abort(reason);
  }

  /** Like Promise.prototype.then: the report, or the error that ended the run. */
  then<T1 = Report, T2 = never>(
    onfulfilled?: ((report: Report) => T1 | PromiseLike<T1>) | null,
    onrejected?: ((reason: unknown) => T2 | PromiseLike<T2>) | null,
  ): Promise<T1 | T2> {
    return this.result.then(onfulfilled, onrejected);
  }

  /** Like Promise.prototype.catch. */
  catch<T = never>(onrejected?: ((reason: unknown) => T | PromiseLike<T>) | null): Promise<Report | T> {
    return this.result.catch(onrejected);
  }

  /** Like Promise.prototype.finally. */
  finally(onfinally?: (() => void) | null): Promise<Report> {
    return this.result.finally(onfinally);
  }

  // A listener that throws, or returns a promise that rejects (an async listener), must not throw
  // into the driver's timers nor leave an unhandled rejection: either would end the caller's
  // process. The run stops, and awaiting the handle rejects with the listener's error. Every
  // listener still hears the event, as with emit(); `once` wrappers remove themselves when called.
  private emitSafely<K extends keyof RunEvents>(event: K, ...args: RunEvents[K]): void {
    for (const listener of this.rawListeners(event) as ((...a: RunEvents[K]) => unknown)[]) {
      let result: unknown;
      try {
        result = listener.apply(this, args);
      } catch (err) {
        this.listenerFailed(event, 'threw', err);
        continue;
      }
      if (isThenable(result)) this.track(event, result);
    }
  }

  private track(event: keyof RunEvents, promise: PromiseLike<unknown>): void {
    const settled = Promise.resolve(promise).then(
      () => {},
      (err: unknown) => this.listenerFailed(event, 'rejected', err),
    );
    this.pending.add(settled);
    void settled.finally(() => this.pending.delete(settled));
  }

  private listenerFailed(event: keyof RunEvents, how: 'threw' | 'rejected', err: unknown): void {
    if (this.listenerError === null) this.listenerError = err;
    this.stop(`a '${String(event)}' listener ${how}: ${err instanceof Error ? err.message : String(err)}`);
  }

  /** Until every promise a listener returned has settled (listeners may add more while waiting). */
  private async listenersSettled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
