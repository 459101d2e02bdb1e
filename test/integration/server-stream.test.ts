/**
 * publish.source "server" (issue 12 item 6): the service pushes its own stream and wsload judges it
 * by the embedded timestamp (staleness) and sequence (gaps, duplicates, order per socket). The
 * test drives the stream of the loopback service target itself, so every count is known exactly.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { wsload } from '../helpers/cli.js';
import { fakeReport } from '../helpers/fake-report.js';
import { decodeHistogram } from '../../src/metrics/histogram.js';
import { startServiceTarget, type ServiceTarget } from '../helpers/service-target.js';
import { closeAfterEach, runQuietly, scenarioFrom, sharedRun } from '../helpers/run-helpers.js';
import type { Report, TimelineLine } from '../../dist/run/report.js';
import type { RunOptions } from '../../dist/driver/driver.js';
import { runExitCode, runFailed, verdictLine } from '../../dist/report/verdict.js';
import { waitFor as until } from '../helpers/wait.js';

const track = closeAfterEach();

/** Per socket: 1–5 in order, 8 (gap: 6, 7), 8 again, 7 late, 9, 10, 15 (gap: 11–14), 10 again, 11 late. */
const SCRIPT = [1, 2, 3, 4, 5, 8, 8, 7, 9, 10, 15, 10, 11];
const PER_SOCKET = { messages: 13, gaps: 2, missing: 4, duplicated: 2, outOfOrder: 2 };

/** Pushes SCRIPT (plus `extra` messages) once `sockets` are connected, one message every 20 ms (bounded). */
async function driveStream(
  service: ServiceTarget,
  sockets: number,
  extra: Record<string, unknown>[] = [],
  subscribes = false,
): Promise<void> {
  await until(() => service.accepted() >= sockets && (!subscribes || service.subscribed() >= sockets), 20_000);
  // Let the client count the last sockets open before the first push.
  await new Promise((r) => setTimeout(r, 100));
  for (const data of [...SCRIPT.map((seq) => ({ seq })), ...extra]) {
    service.push('ticks', data);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function streamRun(
  service: ServiceTarget,
  sockets: number,
  written: Record<string, unknown> = {},
  extra: Record<string, unknown>[] = [],
  opts: Partial<RunOptions> = {},
): Promise<Report> {
  const scenario = scenarioFrom({
    target: { url: service.wsUrl },
    connections: sockets,
    duration: '2s',
    workers: 2,
    publish: { source: 'server', timestamp: '/data/ts', sequence: '/data/seq' },
    ...written,
  });
  // A scenario of its own target sends a subscribe on open: the stream starts once every socket has it.
  const [report] = await Promise.all([runQuietly(scenario, opts), driveStream(service, sockets, extra, 'target' in written)]);
  return report;
}

/**
 * The first test's run, also merged with itself by the merge test (sharedRun: made by whichever
 * of them comes first).
 */
const scripted = sharedRun(async () => {
  const service = track(await startServiceTarget({ requireSubscribe: false }));
  const lines: TimelineLine[] = [];
  const report = await streamRun(service, 3, {}, [{ note: 'no seq here' }], { onInterval: (line) => lines.push(line) });
  return { report, lines };
});

describe('a server-originated stream', () => {
  it('counts gaps, missing, duplicates and out-of-order per socket exactly, and staleness from the embedded time', async () => {
    const { report, lines } = await scripted();
    const s = report.stream!;
    expect(s).toBeDefined();
    expect({ messages: s.messages, gaps: s.gaps, missing: s.missing, duplicated: s.duplicated, outOfOrder: s.outOfOrder }).toEqual({
      messages: 3 * PER_SOCKET.messages,
      gaps: 3 * PER_SOCKET.gaps,
      missing: 3 * PER_SOCKET.missing,
      duplicated: 3 * PER_SOCKET.duplicated,
      outOfOrder: 3 * PER_SOCKET.outOfOrder,
    });
    expect(s.unmatched).toBe(3);
    expect(s.stalenessMs.count).toBe(3 * PER_SOCKET.messages);
    expect(s.stalenessMs.p50).toBeLessThan(1000);
    expect(s.clockCaveat).toMatch(
      /^staleness includes the offset between the service's clock and this machine's; figures below about \d+ ms are not meaningful unless the clocks are synchronised \(NTP\)/,
    );
    expect(report.histograms.streamStaleness).toBeDefined();
    // No publisher ran: fan-out says nothing was published or due.
    expect(report.scenario.publish).toBeNull();
    expect(report.publish.sent).toBe(0);
    expect(report.fanout.published).toBe(0);
    expect(report.fanout.expected).toBe(0);
    // The timeline's deliveries are the stream's judged messages (it has no publishes).
    expect(lines.reduce((a, l) => a + l.deliveries, 0)).toBe(s.messages);
    // The stream's loss fails the run, in words.
    expect(runExitCode(report)).toBe(1);
    expect(verdictLine(report)).toBe(
      `FAILED: ${3 * PER_SOCKET.missing} stream messages missing in ${3 * PER_SOCKET.gaps} sequence gaps (stream.missing)`,
    );
  });

  it('a service clock 5 s ahead shows as messages stamped ahead (counted, staleness unknown: none recorded); 5 s behind adds 5 s', async () => {
    const shifted =
      (offsetMs: number) =>
      (data: Record<string, unknown>): string =>
        JSON.stringify({ type: 'event', data: { ...data, ts: (data.ts as number) + offsetMs } });
    const ahead = track(await startServiceTarget({ requireSubscribe: false, pushText: shifted(5000) }));
    const a = (await streamRun(ahead, 2)).stream!;
    expect(a.messages).toBe(2 * PER_SOCKET.messages);
    expect(a.negative).toBe(a.messages);
    expect(a.ahead).toBe(a.messages);
    expect(a.stalenessMs.count).toBe(0);
    expect(a.aheadMaxMs).toBeGreaterThan(3000);
    expect(a.clockCaveat).toMatch(/seen up to \d+ ms ahead/);

    const behind = track(await startServiceTarget({ requireSubscribe: false, pushText: shifted(-5000) }));
    const b = (await streamRun(behind, 2)).stream!;
    expect(b.negative).toBe(0);
    expect(b.stalenessMs.p50).toBeGreaterThanOrEqual(5000);
    expect(b.stalenessMs.p50).toBeLessThan(6500);
  });

  it('spread over two local shards, the counts are the same, summed', async () => {
    const service = track(await startServiceTarget({ requireSubscribe: false }));
    const report = await streamRun(service, 4, { shards: 2, duration: '3s' });
    expect(report.shards).toHaveLength(2);
    const s = report.stream!;
    expect({ messages: s.messages, gaps: s.gaps, missing: s.missing, duplicated: s.duplicated, outOfOrder: s.outOfOrder }).toEqual({
      messages: 4 * PER_SOCKET.messages,
      gaps: 4 * PER_SOCKET.gaps,
      missing: 4 * PER_SOCKET.missing,
      duplicated: 4 * PER_SOCKET.duplicated,
      outOfOrder: 4 * PER_SOCKET.outOfOrder,
    });
    expect(s.stalenessMs.count).toBe(4 * PER_SOCKET.messages);
  });

  it('`wsload merge` of two stream reports adds the counters and the staleness histograms; a report without a stream adds nothing to them', async () => {
    const one = (await scripted()).report;
    const dir = mkdtempSync(join(tmpdir(), 'wsload-stream-merge-'));
    try {
      const a = join(dir, 'a.json');
      const b = join(dir, 'b.json');
      const plain = join(dir, 'plain.json');
      const out = join(dir, 'merged.json');
      writeFileSync(a, JSON.stringify(one));
      // The same figures as a run made side by side on a second machine (merge refuses one run twice).
      const tag = one.publish.runTag;
      writeFileSync(
        b,
        JSON.stringify({
          ...one,
          environment: { ...one.environment, host: 'second-machine' },
          publish: { ...one.publish, runTag: tag ? `${tag}b` : tag },
        }),
      );
      writeFileSync(plain, JSON.stringify(fakeReport()));
      const r = await wsload(['merge', a, b, plain, '--out', out]);
      expect(r.code, r.stderr).not.toBe(2);
      const merged = JSON.parse(readFileSync(out, 'utf8')) as Report;
      const s = one!.stream!;
      expect(merged.stream).toMatchObject({
        messages: 2 * s.messages,
        gaps: 2 * s.gaps,
        missing: 2 * s.missing,
        duplicated: 2 * s.duplicated,
        outOfOrder: 2 * s.outOfOrder,
        unmatched: 2 * s.unmatched,
      });
      expect(merged.stream!.stalenessMs.count).toBe(2 * s.stalenessMs.count);
      expect(decodeHistogram(merged.histograms.streamStaleness).totalCount).toBe(2 * s.stalenessMs.count);
      expect(merged.stream!.clockCaveat).toContain('unless the clocks are synchronised (NTP)');
      expect(merged.warnings.some((w) => w.includes('1 of 3 reports measured no server stream'))).toBe(true);
      expect(merged.merged?.estimates).toMatchObject({ stream: 'only 2 of 3 runs measured a server stream; its figures are theirs' });
      expect(merged.merged?.estimates['stream.stalenessMs']).toContain("its own machine's clock");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a reconnected socket starts a new baseline: what the server sent while it was down is no gap', async () => {
    // Each socket's first connection gets 1–5 and is closed by the server; its reconnection gets 20–25.
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    const server = track({ close: () => new Promise<void>((resolve) => wss.close(() => resolve())) });
    let accepted = 0;
    wss.on('connection', (ws) => {
      const first = accepted++ < 3;
      const seqs = first ? [1, 2, 3, 4, 5] : [20, 21, 22, 23, 24, 25];
      for (const seq of seqs) ws.send(JSON.stringify({ seq, ts: Date.now() }));
      if (first) ws.close(4000, 'go away');
    });
    const scenario = scenarioFrom({
      target: { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/` },
      connections: 3,
      duration: '1500ms',
      workers: 1,
      reconnect: { policy: 'immediate' },
      publish: { source: 'server', timestamp: '/ts', sequence: '/seq' },
    });
    const report = await runQuietly(scenario);
    expect(server).toBeDefined();
    expect(report.reconnects.total).toBe(3);
    expect(report.stream).toMatchObject({ messages: 3 * 11, gaps: 0, missing: 0, duplicated: 0, outOfOrder: 0, unmatched: 0 });
    // Nothing of the stream went missing; the verdict blames the drops alone.
    expect(verdictLine(report)).toBe('FAILED: most sockets dropped: 3 closes before the end for 3 sockets (3 server-close)');
  });

  it('interrupted mid-hold, the run still reports what the stream delivered so far', async () => {
    const service = track(await startServiceTarget({ requireSubscribe: false }));
    const abort = new AbortController();
    const scenario = scenarioFrom({
      target: { url: service.wsUrl },
      connections: 2,
      duration: '1m',
      workers: 1,
      publish: { source: 'server', timestamp: '/data/ts', sequence: '/data/seq' },
      report: { interval: '250ms' },
    });
    let counted = 0;
    const running = runQuietly(scenario, { signal: abort.signal, onInterval: (l) => (counted += l.deliveries) });
    await driveStream(service, 2);
    // The stop comes once the worker has taken in every push: its counts reached the timeline (a
    // stream's deliveries are its messages). A fixed 300 ms stood for that, and a worker thread
    // starved on a loaded machine may not have read its sockets by then.
    await until(() => counted >= 2 * PER_SOCKET.messages, 10_000, 'the worker counting every push');
    abort.abort('SIGINT');
    const report = await running;
    expect(report.interrupted).toBe(true);
    expect(report.stream).toMatchObject({ messages: 2 * PER_SOCKET.messages, gaps: 2 * PER_SOCKET.gaps, missing: 2 * PER_SOCKET.missing });
    expect(runExitCode(report)).toBe(130);
    expect(verdictLine(report)).toBe(
      `interrupted (SIGINT): ${2 * PER_SOCKET.missing} stream messages missing in ${2 * PER_SOCKET.gaps} sequence gaps (stream.missing)`,
    );
  });

  it('sockets cut one by one while the stream flows give no idle-timeout estimate at the stream interval', async () => {
    // A stream every 20 ms to every socket; socket i is destroyed (no close frame) at 400 + 150·i ms.
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    let seq = 0;
    const timers: NodeJS.Timeout[] = [];
    const tick = setInterval(() => {
      seq++;
      for (const c of wss.clients) c.send(JSON.stringify({ seq, ts: Date.now() }));
    }, 20);
    track({
      close: () => {
        clearInterval(tick);
        for (const t of timers) clearTimeout(t);
        return new Promise<void>((resolve) => wss.close(() => resolve()));
      },
    });
    let accepted = 0;
    wss.on('connection', (ws) => {
      timers.push(setTimeout(() => ws.terminate(), 400 + 150 * accepted++));
    });
    const scenario = scenarioFrom({
      target: { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/` },
      connections: 6,
      duration: '2s',
      workers: 1,
      publish: { source: 'server', timestamp: '/ts' },
    });
    const report = await runQuietly(scenario);
    expect(report.disconnects.byCause['connection-lost']).toBe(6);
    expect(report.disconnects.idleTimeout).toBeNull();
    expect(report.disconnects.idleTimeoutNote).toMatch(/received the server's stream about every \d+ ms/);
    expect(runExitCode(report)).toBe(1);
    expect(verdictLine(report)).toBe('FAILED: most sockets dropped: 6 closes before the end for 6 sockets (6 connection-lost)');
  });

  it('a stream whose fields are not where the scenario looks: no message judged, every one unmatched, and the run fails saying what to check', async () => {
    const service = track(await startServiceTarget({ requireSubscribe: false }));
    const report = await streamRun(service, 2, { publish: { source: 'server', timestamp: '/data/when', sequence: '/data/seq' } });
    expect(report.stream).toMatchObject({ messages: 0, unmatched: 2 * SCRIPT.length });
    expect(runExitCode(report)).toBe(1);
    expect(verdictLine(report)).toBe(
      `FAILED: no stream message was judged (${2 * SCRIPT.length} unmatched: check publish.timestamp and publish.sequence)`,
    );
  });

  it("with a subscribe and its ack on open (scenarios/server-stream.json's shape): the ack is not a stream message", async () => {
    const service = track(await startServiceTarget());
    const open = [{ send: { type: 'subscribe', topic: 'ticks' }, ack: { pointer: '/type', equals: 'subscribed' }, timeout: '5s' }];
    const report = await streamRun(service, 3, { target: { url: service.wsUrl, open } });
    expect(service.subscribed()).toBe(3);
    expect(report.stream).toMatchObject({
      messages: 3 * PER_SOCKET.messages,
      unmatched: 0,
      gaps: 3 * PER_SOCKET.gaps,
      missing: 3 * PER_SOCKET.missing,
    });
    expect(verdictLine(report)).toBe(
      `FAILED: ${3 * PER_SOCKET.missing} stream messages missing in ${3 * PER_SOCKET.gaps} sequence gaps (stream.missing)`,
    );
  });
});

/**
 * Clocks and sequences that lie (issue 20 item 5): a stream server pushing 200 messages to each of
 * 2 sockets whose timestamps or sequence numbers a test chooses.
 */
describe('a server stream whose clock or sequence numbers cannot be judged', () => {
  /** Runs 2 sockets against a server pushing `make(i)` for i = 1..100 every 5 ms, with `thresholds`. */
  async function lyingStream(make: (i: number) => Record<string, unknown>, thresholds: Record<string, string>): Promise<Report> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    const timers = new Set<NodeJS.Timeout>();
    track({
      close: () => {
        for (const t of timers) clearInterval(t);
        return new Promise<void>((resolve) => wss.close(() => resolve()));
      },
    });
    wss.on('connection', (ws) => {
      let i = 0;
      const t = setInterval(() => {
        if (++i > 100) {
          clearInterval(t);
          return;
        }
        ws.send(JSON.stringify(make(i)));
      }, 5);
      timers.add(t);
      ws.on('close', () => clearInterval(t));
    });
    return runQuietly(
      scenarioFrom({
        target: { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/` },
        connections: 2,
        duration: '1500ms',
        workers: 2,
        publish: { source: 'server', timestamp: '/ts', sequence: '/seq' },
        thresholds,
      }),
    );
  }

  it('messages stamped 11.6 days in the future: staleness has no data (not 0), the threshold fails, the run says why', async () => {
    const report = await lyingStream((i) => ({ seq: i, ts: Date.now() + 11.6 * 86_400_000 }), { 'stream.staleness.p99': '< 500ms' });
    const s = report.stream!;
    expect(s.messages).toBe(200);
    expect(s.ahead).toBe(200);
    expect(s.stalenessMs.count).toBe(0);
    // Before: staleness 0 for every message, and the threshold passed.
    expect(report.thresholds).toEqual([{ metric: 'stream.staleness.p99', expression: '< 500ms', actual: 0, pass: false, noData: true }]);
    expect(runExitCode(report)).toBe(3);
    expect(verdictLine(report)).toContain(
      "no stream message was judged (200 stamped more than 10 ms after they arrived: the service's clock runs ahead)",
    );
    expect(verdictLine(report)).toContain('stream.staleness.p99 < 500ms (no data)');
  });

  it('messages stamped far in the past are counted at 365 days, not lost from the staleness figures', async () => {
    // Every other message stamped 10^15 ms (31,700 years) before the epoch.
    const report = await lyingStream((i) => ({ seq: i, ts: i % 2 === 1 ? -1e15 : Date.now() }), { 'stream.staleness.p99': '< 500ms' });
    const s = report.stream!;
    expect(s.messages).toBe(200);
    // Before: 100 of the 200 vanished from the staleness histogram.
    expect(s.stalenessMs.count).toBe(200);
    expect(s.staleCapped).toBe(100);
    expect(s.stalenessMs.max).toBeGreaterThanOrEqual(365 * 86_400_000);
    expect(report.thresholds[0]).toMatchObject({ pass: false });
    expect(report.thresholds[0].noData).toBeUndefined();
  });

  it('sequence numbers above 2^53 (194 of 200 unjudgeable) fail the run, and staleness has no data', async () => {
    // Per socket: 3 readable sequence numbers, then 97 above Number.MAX_SAFE_INTEGER.
    const report = await lyingStream((i) => ({ seq: i <= 3 ? i : `${2n ** 53n + BigInt(i)}`, ts: Date.now() }), {
      'stream.staleness.p99': '< 500ms',
    });
    const s = report.stream!;
    expect(s.messages).toBe(6);
    expect(s.unmatched).toBe(194);
    // Before: verdict ok and the threshold passed on the 6 judged messages.
    expect(report.thresholds[0]).toMatchObject({ pass: false, noData: true });
    expect(verdictLine(report)).toContain(
      'only 6 of 200 stream messages could be judged, below 50% (194 unmatched: check publish.timestamp and publish.sequence)',
    );
    expect(runFailed(report)).toBe(true);
  });
});
