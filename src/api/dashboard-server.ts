/**
 * The live dashboard's HTTP side, run in its own thread (api/dashboard-thread.ts) so that drawing
 * charts never holds up the run's main thread (its publish schedule, its lag samples): the page
 * (render/dashboard.ts) and its server-sent events, fed with what the run's hooks hand over (plan,
 * progress, timeline interval, drop event). At the end it sends every open page the final HTML
 * report, waits (bounded) until each has been handed it, and closes. It serves what the HTML
 * report shows and takes no input.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Progress } from '../run/run-options.js';
import { listenFailureWords, type ListenAddress } from '../net/listen-address.js';
import {
  dashboardCharts,
  dashboardDrops,
  dashboardFinal,
  dashboardStatus,
  LIVE_PARTS,
  renderDashboardPage,
  type LiveScenario,
  type LiveView,
} from '../render/dashboard.js';
import { renderReportHtml } from '../render/html.js';
import type { DropEvent, Report, TimelineLine } from '../run/report.js';

/** Longest wait at the end for every open page to be handed the final report. */
export const FINAL_DELIVERY_LIMIT_MS = 5_000;

/** Why a dashboard could not listen: the errno and the words for it. */
export interface ListenFailure {
  code: string | null;
  why: string;
}

export class DashboardServer {
  private readonly view: {
    -readonly [K in keyof LiveView]: LiveView[K];
  };
  private readonly lines: TimelineLine[] = [];
  private readonly events: DropEvent[] = [];
  private readonly clients = new Set<ServerResponse>();
  private final: { part: string; html: string } | null = null;
  private closed = false;

  private constructor(
    private readonly server: Server,
    /** The port actually bound. */
    readonly port: number,
    scenario: LiveScenario,
  ) {
    this.view = { scenario, plan: null, progress: null, lines: this.lines, events: this.events, startedAt: null };
  }

  /** Binds `address`; the failure in words when it cannot. */
  static async listen(address: ListenAddress, scenario: LiveScenario): Promise<DashboardServer | ListenFailure> {
    const server = createServer();
    const failure = await new Promise<ListenFailure | null>((resolve) => {
      const onError = (err: NodeJS.ErrnoException): void => resolve({ code: err.code ?? null, why: listenFailureWords(err) });
      server.once('error', onError);
      server.listen(address.port, address.host, () => {
        server.off('error', onError);
        resolve(null);
      });
    });
    if (failure) return failure;
    const dashboard = new DashboardServer(server, (server.address() as AddressInfo).port, scenario);
    server.on('request', (req, res) => dashboard.answer(req, res));
    return dashboard;
  }

  plan(line: string): void {
    this.view.plan = line;
    this.broadcastStatus();
  }

  /** The run ended: every open page gets the final report; resolves once each was handed it (bounded), then closes. */
  async finish(report: Report, fileName: string): Promise<void> {
    if (this.closed) return;
    this.view.startedAt = report.startedAt;
    this.view.ended = true;
    this.final = { part: dashboardFinal(report, fileName), html: renderReportHtml(report, { timeline: this.lines }) };
    const chunk = this.chunks(true);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(
        [...this.clients].map((res) => new Promise<void>((resolve) => (res.destroyed ? resolve() : res.write(chunk, () => resolve())))),
      ),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, FINAL_DELIVERY_LIMIT_MS))),
    ]);
    clearTimeout(timer);
    this.close();
  }

  /** Stops listening and ends every page's event stream (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.server.close();
    this.server.closeAllConnections();
  }

  progress(p: Progress): void {
    this.view.progress = p;
    this.view.startedAt ??= new Date(Date.now() - p.elapsedMs).toISOString();
    this.broadcastStatus();
  }

  interval(line: TimelineLine): void {
    this.lines.push(line);
    // The line's own clock says when the run started, to the millisecond of its write.
    if (this.lines.length === 1) this.view.startedAt = new Date(Date.parse(line.t) - line.elapsedMs).toISOString();
    if (this.clients.size === 0) return;
    this.send(`${event('charts', dashboardCharts(this.view))}${event('status', dashboardStatus(this.view))}`);
  }

  dropEvent(e: DropEvent): void {
    this.events.push(e);
    if (this.clients.size === 0) return;
    // The charts mark drop events too.
    this.send(`${event('drops', dashboardDrops(this.view))}${event('charts', dashboardCharts(this.view))}`);
  }

  private broadcastStatus(): void {
    if (this.clients.size > 0) this.send(event('status', dashboardStatus(this.view)));
  }

  /** Every part as it stands; with `withFinal`, the final report too. */
  private chunks(withFinal: boolean): string {
    const parts = `${event(LIVE_PARTS.status, dashboardStatus(this.view))}${event(LIVE_PARTS.charts, dashboardCharts(this.view))}${event(LIVE_PARTS.drops, dashboardDrops(this.view))}`;
    return withFinal && this.final ? `${parts}${event('report', this.final)}` : parts;
  }

  private send(chunk: string): void {
    for (const res of this.clients) if (!res.destroyed) res.write(chunk);
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return reply(res, 405, 'text/plain', 'the dashboard only answers GET\n', { allow: 'GET, HEAD' });
    if (path === '/') return reply(res, 200, 'text/html; charset=utf-8', renderDashboardPage(this.view, this.final?.part ?? null));
    if (path === '/events') return this.subscribe(res);
    if (path === '/report.html') {
      if (this.final === null) return reply(res, 404, 'text/plain', 'the final report comes when the run ends\n');
      return reply(res, 200, 'text/html; charset=utf-8', this.final.html);
    }
    reply(res, 404, 'text/plain', 'the dashboard is at / (events at /events, the final report at /report.html)\n');
  }

  private subscribe(res: ServerResponse): void {
    if (this.closed) return reply(res, 503, 'text/plain', 'the run has ended\n');
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    // Ask the browser to retry soon if the connection drops mid-run.
    res.write('retry: 1000\n\n');
    res.write(this.chunks(true));
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }
}

/** One server-sent event; its data is JSON, so it is one line whatever it holds. */
function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

function reply(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
