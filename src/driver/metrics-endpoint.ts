/**
 * The HTTP side of the Prometheus endpoint: bound before the run opens any socket (so a port in use
 * is bad input, not a run that dies half-way), serves GET /metrics from the run's PromMetrics once
 * measurement is set up, and closes with its connections on every way out (RunState cleanups).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nowMs } from '../clock.js';
import { UsageError } from '../errors.js';
import { formatListenAddress, listenFailureWords, parseListenAddress, type ListenAddress } from '../net/listen-address.js';
import type { PromMetrics } from './prom-metrics.js';
import type { RunState } from './run-state.js';

/** Longest wait, after the report is built, for the scraper's next visit to fetch the final values. */
export const FINAL_SCRAPE_LIMIT_MS = 20_000;

export class MetricsEndpoint {
  private metrics: PromMetrics | null = null;
  private closed = false;
  /** When the last two /metrics answers were sent (nowMs), most recent last: the scrape interval. */
  private readonly scrapedAt: number[] = [];
  /** Called with when each answered scrape's text was made. */
  private onScrape: ((madeAtMs: number) => void) | null = null;

  private constructor(
    private readonly server: Server,
    /** http://HOST:PORT/metrics with the port actually bound. */
    readonly url: string,
    /** What measures what it serves, loaded with prom-client only for a run that has an endpoint. */
    readonly metricsClass: typeof PromMetrics,
  ) {}

  /** Binds `address`; throws a one-line UsageError naming `setting` when it cannot. */
  static async listen(address: ListenAddress, setting: string): Promise<MetricsEndpoint> {
    const server = createServer();
    const where = `${setting} ${formatListenAddress(address)}`;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        const why = listenFailureWords(err);
        reject(new UsageError(`${where}: cannot serve metrics: ${why}${err.code ? ` (${err.code})` : ''}`));
      };
      server.once('error', onError);
      server.listen(address.port, address.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    // The run's own handles keep the process alive; a forgotten endpoint must not.
    server.unref();
    const bound = server.address() as AddressInfo;
    // prom-client is loaded here, not by the driver's imports: a run without an endpoint never holds it (issue 22).
    const { PromMetrics } = await import('./prom-metrics.js');
    const url = `http://${formatListenAddress({ host: address.host, port: bound.port })}/metrics`;
    const endpoint = new MetricsEndpoint(server, url, PromMetrics);
    server.on('request', (req, res) => endpoint.answer(req, res));
    return endpoint;
  }

  /** From now on /metrics serves `metrics`. */
  serve(metrics: PromMetrics): void {
    this.metrics = metrics;
  }

  /**
   * Resolves once a scrape has fetched the values as they are now (the final ones, once the run
   * ended), or after two scrape intervals and 2 s more (at most FINAL_SCRAPE_LIMIT_MS), or when
   * `cut` resolves. The slack is for a scraper that runs late on a busy machine: waiting 1.5
   * intervals, a Prometheus on a loaded 2-core box missed the last values and kept counts 1.2 s old.
   * Without two scrapes so far nobody is scraping regularly, and it resolves at once.
   */
  async finalScrape(cut: Promise<void>): Promise<void> {
    if (this.closed || this.scrapedAt.length < 2) return;
    const interval = this.scrapedAt[1] - this.scrapedAt[0];
    const limitMs = Math.min(FINAL_SCRAPE_LIMIT_MS, interval * 2 + 2000);
    const since = nowMs();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => (this.onScrape = (madeAtMs) => madeAtMs >= since && resolve())),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs))),
      cut,
    ]);
    clearTimeout(timer);
    this.onScrape = null;
  }

  /** Stops listening and drops open (keep-alive) connections at once (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    this.server.closeAllConnections();
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'only GET /metrics\n', { allow: 'GET, HEAD' });
    if (path !== '/metrics') return reply(res, 404, 'wsload serves its Prometheus metrics at /metrics\n');
    const metrics = this.metrics;
    // Only while the embedded target starts: nothing is measured yet.
    if (!metrics) return reply(res, 503, 'the run is starting\n', { 'retry-after': '1' });
    const madeAtMs = nowMs();
    metrics.exposition().then(
      (text) => {
        // Counted once handed to the kernel: closing the endpoint right after must not cut it short.
        res.once('finish', () => this.scraped(madeAtMs));
        reply(res, 200, req.method === 'HEAD' ? '' : text, { 'content-type': metrics.contentType });
      },
      (err: Error) => reply(res, 500, `${err.message}\n`),
    );
  }

  private scraped(madeAtMs: number): void {
    this.scrapedAt.push(nowMs());
    if (this.scrapedAt.length > 2) this.scrapedAt.shift();
    this.onScrape?.(madeAtMs);
  }
}

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

/** Binds the scenario's metrics endpoint, if it has one, and registers its close; null when none. */
export async function openMetricsEndpoint(state: RunState): Promise<MetricsEndpoint | null> {
  const listen = state.scenario.metrics?.listen;
  if (listen === undefined) return null;
  const setting = state.options.metricsSetting ?? 'metrics.listen';
  const address = parseListenAddress(listen);
  if (!address) throw new UsageError(`${setting}: expected HOST:PORT like "127.0.0.1:9464", got ${JSON.stringify(listen)}`);
  const endpoint = await MetricsEndpoint.listen(address, setting);
  state.onCleanup(() => endpoint.close());
  state.options.onMetricsListening?.(endpoint.url);
  return endpoint;
}
