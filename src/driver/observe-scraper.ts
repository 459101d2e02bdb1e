/**
 * Scrapes the observed Prometheus endpoints (the scenario's `observe`) from the main thread, as a
 * tick subscriber: every report interval one GET per endpoint, never two in flight to one
 * endpoint. A scrape is bounded in time (its timeout covers connect, headers and body) and in
 * size (the body is cut at maxBytes), and is never fatal: a failure is counted by kind and the
 * run goes on. The main thread also schedules the publishes, so a body is read as chunks arrive
 * and parsed once whole.
 */
import http from 'node:http';
import https from 'node:https';
import { tlsConnectOptions, type TlsConnectOptions } from '../net/connect-options.js';
import { ObservedEndpoint, type EndpointStats, type ScrapeFailure } from '../metrics/observe/store.js';
import { parseSelector, type Selector } from '../metrics/observe/select.js';
import type { ObserveEndpoint, Scenario, TlsOptions } from '../run/scenario.js';
import { InternalError } from '../errors.js';
import type { TickSubscriber } from './tick-bus.js';

export interface ObserveScraperOptions {
  startMs: number;
  /** Time between scrapes of one endpoint: the report interval. */
  intervalMs: number;
  /** The scenario's `tls`: an https:// endpoint without its own `tls` is checked with it. */
  tls: TlsOptions;
}

interface Target {
  config: ObserveEndpoint;
  store: ObservedEndpoint;
  inFlight: boolean;
  nextMs: number;
  /** Read once: the files were checked when the scenario loaded. Null for http:// endpoints. */
  tls: TlsConnectOptions | null;
}

export class ObserveScraper implements TickSubscriber {
  private readonly targets: Target[];
  private readonly pending = new Set<http.ClientRequest>();
  private stopped = false;

  constructor(
    endpoints: readonly ObserveEndpoint[],
    private readonly opts: ObserveScraperOptions,
  ) {
    this.targets = endpoints.map((config) => ({
      config,
      store: new ObservedEndpoint(config.name, config.url, selectorsOf(config), config.format),
      inFlight: false,
      nextMs: opts.startMs,
      tls: config.url.startsWith('https:') ? tlsConnectOptions(config.tls ?? opts.tls) : null,
    }));
  }

  onTick(atMs: number): void {
    if (this.stopped) return;
    for (const t of this.targets) {
      if (t.inFlight || atMs < t.nextMs) continue;
      // On the interval's grid from the run start: a slow scrape delays only itself.
      t.nextMs = this.opts.startMs + (Math.floor((atMs - this.opts.startMs) / this.opts.intervalMs) + 1) * this.opts.intervalMs;
      this.scrape(t, atMs);
    }
  }

  onEnd(): void {
    this.stop();
  }

  /** Aborts scrapes in flight (they are not counted) and scrapes no more. */
  stop(): void {
    this.stopped = true;
    for (const req of this.pending) req.destroy();
    this.pending.clear();
  }

  /** Each endpoint's latest values, for the timeline line. */
  latest(): Record<string, Record<string, number | null>> {
    const out: Record<string, Record<string, number | null>> = {};
    for (const t of this.targets) out[t.config.name] = t.store.latest();
    return out;
  }

  endpoints(): readonly ObservedEndpoint[] {
    return this.targets.map((t) => t.store);
  }

  stats(): EndpointStats[] {
    return this.targets.map((t) => t.store.stats());
  }

  private scrape(t: Target, atMs: number): void {
    const { url, timeoutMs, maxBytes } = t.config;
    t.inFlight = true;
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const settle = (outcome: { body: string } | { kind: Exclude<ScrapeFailure, 'unparsable'>; words: string }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.pending.delete(req);
      req.destroy();
      t.inFlight = false;
      if (this.stopped) return;
      // The sample's time is when the scrape was started: the endpoint answers about that moment.
      if ('body' in outcome) t.store.ingest(outcome.body, atMs - this.opts.startMs);
      else t.store.fail(outcome.kind, outcome.words);
    };
    const headers = { accept: 'text/plain;version=0.0.4', 'user-agent': 'wsload-observe' };
    const onResponse = (res: http.IncomingMessage): void => {
      if (res.statusCode !== 200) {
        res.resume();
        settle({ kind: 'status', words: `HTTP ${res.statusCode ?? '?'} from ${url}` });
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        settle({ kind: 'tooLarge', words: `${declared} bytes declared, more than ${maxBytes}` });
        return;
      }
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (bytes > maxBytes) settle({ kind: 'tooLarge', words: `more than ${maxBytes} bytes` });
        else chunks.push(c);
      });
      res.on('end', () => settle({ body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => settle({ kind: 'connection', words: err.message }));
    };
    const req = t.tls ? https.get(url, { ...t.tls, headers }, onResponse) : http.get(url, { headers }, onResponse);
    req.on('error', (err: NodeJS.ErrnoException) =>
      isTlsFailure(err)
        ? settle({ kind: 'tls', words: `${err.message} (${err.code ?? 'TLS'})` })
        : settle({ kind: 'connection', words: err.message }),
    );
    const timer = setTimeout(() => settle({ kind: 'timeout', words: `no whole answer within ${timeoutMs} ms` }), timeoutMs);
    this.pending.add(req);
  }
}

/**
 * Whether a request error is the TLS handshake's: OpenSSL's verify codes (classify.ts names the
 * common ones; all carry CERT, UNABLE_TO or SELF_SIGNED), a name mismatch, a protocol alert.
 */
function isTlsFailure(err: NodeJS.ErrnoException): boolean {
  const code = err.code ?? '';
  return code === 'EPROTO' || /^ERR_(SSL|TLS)_|CERT|UNABLE_TO_|SELF_SIGNED|HOSTNAME_MISMATCH/.test(code);
}

/** The endpoint's selectors, or null to keep every series (they were checked when the scenario loaded). */
function selectorsOf(config: ObserveEndpoint): Selector[] | null {
  if (config.series === null) return null;
  return config.series.map((s) => {
    const sel = parseSelector(s.match, s.as);
    if ('error' in sel) throw new InternalError(`observe ${config.name}: ${sel.error}`);
    return sel;
  });
}

/** Series of the built-in target's own /metrics an embedded run keeps (target/metrics.ts). */
export const TARGET_SERIES = [
  'wsload_target_open_sockets',
  'wsload_target_accepted_total',
  'wsload_target_broadcasts_total',
  'process_resident_memory_bytes',
  'wsload_target_event_loop_lag_seconds',
];

/** The endpoints a run scrapes: the scenario's, and an embedded target as "target" unless the scenario names one so. */
export function observedEndpoints(scenario: Scenario, embeddedHttpUrl: string | null): ObserveEndpoint[] {
  const written = scenario.observe ?? [];
  if (embeddedHttpUrl === null || written.some((e) => e.name === 'target')) return written;
  const url = `${embeddedHttpUrl.replace(/\/$/, '')}/metrics`;
  const timeoutMs = Math.min(2000, scenario.report.intervalMs);
  return [...written, { name: 'target', url, series: TARGET_SERIES.map((match) => ({ match })), timeoutMs, maxBytes: 1024 * 1024 }];
}
