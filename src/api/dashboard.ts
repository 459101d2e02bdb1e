/**
 * The live dashboard of a run (`wsload run --dashboard HOST:PORT`, run()'s `dashboard` option),
 * as the run's main thread sees it: a thread of its own (api/dashboard-thread.ts) bound before the
 * run opens any socket (a port in use is bad input, not a run that dies half-way), fed by the run's
 * hooks with one message per sample. Rendering happens there, never on this thread, whose timers
 * schedule the publishes and sample the lag. Loopback unless the address says otherwise.
 */
import { Worker } from 'node:worker_threads';
import type { RunOptions } from '../run/run-options.js';
import { UsageError } from '../errors.js';
import { formatListenAddress, parseListenAddress, type ListenAddress } from '../net/listen-address.js';
import { liveScenario } from '../render/dashboard.js';
import type { Report } from '../run/report.js';
import type { Scenario } from '../run/scenario.js';
import type { DashboardStart, FromDashboard, ToDashboard } from './dashboard-messages.js';

const THREAD_ENTRY = new URL('./dashboard-thread.js', import.meta.url);
/** Longest wait for the thread's final answer: its own bound on handing out the report (5 s), plus rendering it. */
const FINISH_LIMIT_MS = 30_000;

/** "HOST:PORT", or a bare port on loopback; null when it is neither. */
export function parseDashboardAddress(text: string): ListenAddress | null {
  if (/^\s*\d{1,5}\s*$/.test(text)) {
    const port = Number(text);
    return port <= 65_535 ? { host: '127.0.0.1', port } : null;
  }
  return parseListenAddress(text);
}

export class Dashboard {
  private closed = false;
  /** Told when the dashboard breaks mid-run: the run goes on without it. */
  private onWarning: ((message: string) => void) | undefined;

  private constructor(
    private readonly thread: Worker,
    /** http://HOST:PORT/ with the port actually bound. */
    readonly url: string,
  ) {
    // A dashboard that fails must not take the run with it (an unheard 'error' would).
    thread.on('error', (err) => {
      if (!this.closed) this.onWarning?.(`the dashboard stopped: ${err.message}`);
      this.closed = true;
    });
    thread.on('exit', () => (this.closed = true));
  }

  /** Starts the thread and binds `listen` ("HOST:PORT", or a port on 127.0.0.1); a one-line UsageError naming `setting` when it cannot. */
  static async open(listen: string, setting: string, scenario: Scenario): Promise<Dashboard> {
    const address = typeof listen === 'string' ? parseDashboardAddress(listen) : null;
    if (address === null)
      throw new UsageError(`${setting}: expected HOST:PORT like "127.0.0.1:8089" (or a port, on 127.0.0.1), got ${JSON.stringify(listen)}`);
    const start: DashboardStart = { address, scenario: liveScenario(scenario) };
    const thread = new Worker(THREAD_ENTRY, { workerData: start });
    const first = await new Promise<FromDashboard | Error>((resolve) => {
      thread.once('message', resolve);
      thread.once('error', resolve);
      thread.once('exit', (code) => resolve(new Error(`the dashboard's thread exited with ${code}`)));
    });
    if (first instanceof Error || first.type !== 'listening') {
      await thread.terminate();
      if (first instanceof Error) throw first;
      const why = first.type === 'failed' ? `${first.why}${first.code ? ` (${first.code})` : ''}` : 'no answer';
      throw new UsageError(`${setting} ${formatListenAddress(address)}: cannot serve the dashboard: ${why}`);
    }
    return new Dashboard(thread, `http://${formatListenAddress({ host: address.host, port: first.port })}/`);
  }

  /** `options` with the dashboard fed by its hooks (each still calls the caller's own first). */
  wrap(options: RunOptions): RunOptions {
    this.onWarning = options.onWarning;
    return {
      ...options,
      onPlan: (line) => {
        options.onPlan?.(line);
        this.post({ type: 'plan', line });
      },
      onProgress: (progress) => {
        options.onProgress?.(progress);
        this.post({ type: 'progress', progress });
      },
      onInterval: (line) => {
        options.onInterval?.(line);
        this.post({ type: 'interval', line });
      },
      onDropEvent: (event) => {
        options.onDropEvent?.(event);
        this.post({ type: 'drop', event });
      },
    };
  }

  /** The run ended: every open page gets the final report (the thread waits at most 5 s for them), then the dashboard closes. */
  async finish(report: Report, fileName: string): Promise<void> {
    if (this.closed) return;
    let timer: NodeJS.Timeout | undefined;
    const finished = new Promise<void>((resolve) => {
      this.thread.on('message', (m: FromDashboard) => m.type === 'finished' && resolve());
      this.thread.once('exit', () => resolve());
      timer = setTimeout(resolve, FINISH_LIMIT_MS);
    });
    this.post({ type: 'finish', report, fileName });
    await finished;
    clearTimeout(timer);
    this.close();
  }

  /** Ends the thread, its server and every page's event stream (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.thread.terminate();
  }

  private post(m: ToDashboard): void {
    if (!this.closed) this.thread.postMessage(m);
  }
}
