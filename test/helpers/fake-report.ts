/**
 * Builds complete, internally consistent Reports for tests by recording real values into real
 * histograms, so percentiles, encoded histograms and counters agree the way a real run's do.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHistogram, encodeHistogram, percentiles, recordMs, type Histogram } from '../../src/metrics/histogram.js';
import type { Cohort, Scenario } from '../../src/run/scenario.js';
import type {
  CloseCause,
  ConnectFailureReason,
  DisconnectStats,
  IdleTimeoutEstimate,
  PercentileSet,
  ReconnectStats,
  Report,
  ThresholdResult,
  TimelineLine,
} from '../../src/run/report.js';

/** One socket close to put in the report. */
export interface FakeClose {
  cohort?: string;
  cause: CloseCause;
  code: number;
  idleMs: number;
  ageMs: number;
  error?: string;
}

/** Parameters of fakeReport; everything not given gets a plausible, consistent default. */
export interface FakeReportOptions {
  name?: string;
  connections?: number;
  /** Failed handshakes by reason. */
  failures?: Partial<Record<ConnectFailureReason, number>>;
  /** One latency per delivered message. */
  fanoutMs?: number[];
  lost?: number;
  duplicated?: number;
  outOfOrder?: number;
  published?: number;
  handshakeMs?: number[];
  publishMs?: number[];
  publishFailed?: number;
  publishSkipped?: number;
  /** Cohort name → socket count; default one cohort "default" with every connection. */
  cohorts?: Record<string, number>;
  closes?: FakeClose[];
  idleTimeout?: IdleTimeoutEstimate | null;
  recommendation?: string | null;
  reconnects?: number;
  lagMs?: { max: number; p99: number };
  saturated?: boolean;
  tlsInsecure?: boolean;
  interrupted?: string | null;
  thresholds?: ThresholdResult[];
  warnings?: string[];
  startedAt?: string;
  durationMs?: number;
  host?: string;
  url?: string;
  /**
   * Carry per-interval histograms (report.intervals) in this many blocks of 1 s, each holding
   * whole publishes (`fanoutMs` is taken in publish order, `opened` deliveries per publish).
   */
  blocks?: number;
}

/** A uniform [0, 1) generator from a seed: xorshift32, reproducible across runs and platforms, unlike Math.random. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x1_0000_0000;
  };
}

/** Deterministic latencies: mostly near `baseMs`, with a tail up to `tailMs` on `tailShare` of them. */
export function latencies(
  n: number,
  opts: { baseMs?: number; spreadMs?: number; tailMs?: number; tailShare?: number; seed?: number } = {},
): number[] {
  const { baseMs = 5, spreadMs = 3, tailMs = 50, tailShare = 0.01, seed = 1 } = opts;
  const rand = seededRandom(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    out.push(r < tailShare ? baseMs + spreadMs + rand() * (tailMs - baseMs - spreadMs) : baseMs + rand() * spreadMs);
  }
  return out;
}

function histOf(values: readonly number[]): Histogram {
  const h = createHistogram();
  for (const v of values) recordMs(h, v);
  return h;
}

function emptyDisconnects(): DisconnectStats {
  const zero = percentiles(createHistogram());
  return { total: 0, byCode: {}, byCause: {}, byError: {}, idleAtCloseMs: zero, sentIdleAtCloseMs: zero, ageAtCloseMs: zero };
}

function cohortOf(name: string, count: number): Cohort {
  return { name, count, pingIntervalMs: null, heartbeat: null, reconnect: { policy: 'none', minMs: 0, maxMs: 0, jitter: 0 } };
}

function inc<K extends string>(rec: Partial<Record<K, number>>, key: K, by = 1): void {
  rec[key] = (rec[key] ?? 0) + by;
}

/** A complete Report built from real histograms. */
export function fakeReport(opts: FakeReportOptions = {}): Report {
  const connections = opts.connections ?? 100;
  const failures = opts.failures ?? {};
  const failed = Object.values(failures).reduce<number>((a, b) => a + (b ?? 0), 0);
  const opened = Math.max(0, connections - failed);
  const fanoutValues = opts.fanoutMs ?? latencies(opened * 20);
  const lost = opts.lost ?? 0;
  const delivered = fanoutValues.length;
  const expected = delivered + lost;
  const published = opts.published ?? (opened === 0 ? 0 : Math.ceil(expected / opened));
  const durationMs = opts.durationMs ?? 60_000;
  const startedAt = opts.startedAt ?? '2025-01-01T10:00:00.000Z';
  const endedAt = new Date(Date.parse(startedAt) + durationMs).toISOString();

  const fanout = histOf(fanoutValues);
  // Completion of a publish is the slowest of its deliveries: take it per chunk of `opened`.
  const completionValues: number[] = [];
  for (let i = 0; i < fanoutValues.length && opened > 0; i += opened) {
    completionValues.push(Math.max(...fanoutValues.slice(i, i + opened)));
  }
  const completion = histOf(completionValues);
  const handshake = histOf(opts.handshakeMs ?? handshakeValues(opened));
  const publishH = histOf(opts.publishMs ?? publishValues(published));
  const scheduleLag = histOf(Array.from({ length: published }, (_, i) => (i % 5) * 0.1));
  const empty = createHistogram();

  const cohortCounts = opts.cohorts ?? { default: connections };
  const cohorts = Object.entries(cohortCounts).map(([name, count]) => cohortOf(name, count));
  const histograms: Record<string, string> = {
    fanout: encodeHistogram(fanout),
    completion: encodeHistogram(completion),
    handshake: encodeHistogram(handshake),
    handshakeTcp: encodeHistogram(handshake),
    handshakeTls: encodeHistogram(empty),
    handshakeUpgrade: encodeHistogram(empty),
    publish: encodeHistogram(publishH),
    scheduleLag: encodeHistogram(scheduleLag),
  };

  const closes = opts.closes ?? [];
  const firstCohort = cohorts[0]?.name ?? 'default';
  const all = { idle: createHistogram(), sentIdle: createHistogram(), age: createHistogram() };
  const perCohort = new Map<string, { stats: DisconnectStats; idle: Histogram; sentIdle: Histogram; age: Histogram }>();
  for (const c of cohorts)
    perCohort.set(c.name, { stats: emptyDisconnects(), idle: createHistogram(), sentIdle: createHistogram(), age: createHistogram() });
  const totals = emptyDisconnects();
  const closesByCode: Record<string, number> = {};
  for (const c of closes) {
    const name = c.cohort ?? firstCohort;
    const entry = perCohort.get(name);
    if (!entry) throw new Error(`fakeReport: close in unknown cohort ${name}`);
    for (const stats of [totals, entry.stats]) {
      stats.total++;
      inc(stats.byCode, String(c.code));
      inc(stats.byCause, c.cause);
      if (c.error) inc(stats.byError, c.error);
    }
    inc(closesByCode, String(c.code));
    for (const [h, v] of [
      [all.idle, c.idleMs],
      [all.sentIdle, c.idleMs],
      [all.age, c.ageMs],
      [entry.idle, c.idleMs],
      [entry.sentIdle, c.idleMs],
      [entry.age, c.ageMs],
    ] as const) {
      recordMs(h, v);
    }
  }
  const setStats = (stats: DisconnectStats, idle: Histogram, sentIdle: Histogram, age: Histogram): void => {
    stats.idleAtCloseMs = percentiles(idle);
    stats.sentIdleAtCloseMs = percentiles(sentIdle);
    stats.ageAtCloseMs = percentiles(age);
  };
  setStats(totals, all.idle, all.sentIdle, all.age);
  histograms.idleAtClose = encodeHistogram(all.idle);
  histograms.sentIdleAtClose = encodeHistogram(all.sentIdle);
  histograms.ageAtClose = encodeHistogram(all.age);
  const byCohort: Record<string, DisconnectStats> = {};
  for (const [name, e] of perCohort) {
    setStats(e.stats, e.idle, e.sentIdle, e.age);
    byCohort[name] = e.stats;
    histograms[`idleAtClose:${name}`] = encodeHistogram(e.idle);
    histograms[`sentIdleAtClose:${name}`] = encodeHistogram(e.sentIdle);
    histograms[`ageAtClose:${name}`] = encodeHistogram(e.age);
  }
  const lostCohorts = new Set(closes.filter((c) => c.cause === 'connection-lost').map((c) => c.cohort ?? firstCohort));

  const reconnects = opts.reconnects ?? 0;
  const reconnectsByCohort: Record<string, ReconnectStats> = {};
  for (const c of cohorts)
    reconnectsByCohort[c.name] = {
      total: c.name === firstCohort ? reconnects : 0,
      downMs: c.name === firstCohort ? reconnects * 100 : 0,
      missedPublishes: 0,
    };

  const lag = opts.lagMs ?? { max: 12, p99: 4 };
  const workers = 2;
  const publishFailed = opts.publishFailed ?? 0;
  const scenario: Scenario = {
    name: opts.name ?? 'fake',
    target: opts.url ? { kind: 'url', url: opts.url, headers: {}, origin: null, subprotocols: [] } : { kind: 'embedded' },
    connections,
    connectRate: 100,
    maxPendingHandshakes: 50,
    handshakeTimeoutMs: 10_000,
    durationMs,
    publish: { url: null, rate: 1, ids: ['a'], match: 'value', deadlineMs: 5000, concurrency: 8, timeoutMs: 5000 },
    workers,
    localAddresses: [],
    cohorts,
    report: { intervalMs: 5000 },
    thresholds: Object.fromEntries((opts.thresholds ?? []).map((t) => [t.metric, t.expression])),
    tls: { ca: null, insecure: opts.tlsInsecure ?? false, servername: null, cert: null, key: null },
    resolve: {},
  };
  const warnings = [...(opts.warnings ?? [])];
  if (opts.tlsInsecure)
    warnings.push('TLS certificate verification is disabled (tls.insecure): results say nothing about the certificate.');
  if (opts.saturated) warnings.push('The client was saturated (event-loop lag): latencies include wsload’s own delay.');

  return {
    formatVersion: 1,
    tool: 'wsload',
    scenario,
    startedAt,
    endedAt,
    interrupted: opts.interrupted != null,
    interruptReason: opts.interrupted ?? null,
    environment: {
      wsload: '0.1.0',
      node: 'v20.19.0',
      platform: 'linux',
      arch: 'x64',
      cpus: 2,
      cpuModel: 'Test CPU',
      host: opts.host ?? 'test-host',
      totalMemoryMb: 4096,
      openFilesLimit: 20_000,
      ephemeralPorts: 28_232,
    },
    target: {
      url: opts.url ?? 'ws://127.0.0.1:4000/ws',
      publishUrl: 'http://127.0.0.1:4000/api',
      embedded: !opts.url,
      tlsInsecure: opts.tlsInsecure ?? false,
    },
    phases: { rampMs: Math.round((connections / 100) * 1000), holdMs: durationMs },
    connections: { target: connections, opened, failed, peakOpen: opened, openAtEnd: opened - closes.length, failures },
    handshake: {
      latencyMs: percentiles(handshake),
      tcpMs: percentiles(handshake),
      tlsMs: percentiles(empty),
      upgradeMs: percentiles(empty),
    },
    fanout: {
      published,
      expected,
      delivered,
      lost,
      duplicated: opts.duplicated ?? 0,
      outOfOrder: opts.outOfOrder ?? 0,
      late: 0,
      unmatched: 0,
      latencyMs: percentiles(fanout),
      completionMs: percentiles(completion),
      incomplete: lost > 0 ? Math.min(published, lost) : 0,
    },
    publish: {
      sent: published,
      failed: publishFailed,
      skipped: opts.publishSkipped ?? 0,
      failures: publishFailed > 0 ? { 'http-503': publishFailed } : {},
      latencyMs: percentiles(publishH),
      scheduleLagMs: percentiles(scheduleLag),
    },
    closes: { byCode: closesByCode },
    disconnects: {
      ...totals,
      byCohort,
      idleTimeout: opts.idleTimeout ?? null,
      idleTimeoutNote: opts.idleTimeout ? null : 'no connection-lost closes during the hold',
      survivingCohorts: cohorts.map((c) => c.name).filter((n) => !lostCohorts.has(n)),
      recommendation: opts.recommendation ?? null,
    },
    reconnects: { total: reconnects, downMs: reconnects * 100, missedPublishes: 0, byCohort: reconnectsByCohort },
    client: {
      eventLoopLagMs: lag,
      workers: Array.from({ length: workers }, (_, i) => ({
        worker: i,
        sockets: Math.floor(opened / workers) + (i < opened % workers ? 1 : 0),
        eventLoopLagMs: { max: lag.max, p99: lag.p99, mean: lag.p99 / 2 },
        crashed: null,
      })),
      peakRssMb: 120,
      saturated: opts.saturated ?? false,
    },
    thresholds: opts.thresholds ?? [],
    warnings,
    files: { timeline: null, hlog: null },
    histograms,
    ...(opts.blocks
      ? {
          intervals: {
            ...fakeIntervals(fanoutValues, opened, opts.blocks, lost),
            ...fakeOtherBlocks(opts.handshakeMs ?? handshakeValues(opened), opts.publishMs ?? publishValues(published), opts.blocks),
          },
        }
      : {}),
  };
}

/** The default handshake and publish latencies of fakeReport. */
const handshakeValues = (opened: number): number[] => Array.from({ length: opened }, (_, i) => 2 + (i % 10) * 0.3);
const publishValues = (published: number): number[] => Array.from({ length: published }, (_, i) => 1 + (i % 7) * 0.2);

/** Handshakes in ramp blocks (at most 20, in order) and publish latencies in `blocks` blocks of time, as a real run keeps them. */
function fakeOtherBlocks(
  handshakeMs: readonly number[],
  publishMs: readonly number[],
  blocks: number,
): Pick<NonNullable<Report['intervals']>, 'handshake' | 'publish'> {
  const split = (values: readonly number[], n: number): string[] => {
    const per = Math.ceil(values.length / n);
    return Array.from({ length: n }, (_, b) => values.slice(b * per, (b + 1) * per)).map((v) =>
      v.length === 0 ? '' : encodeHistogram(histOf(v)),
    );
  };
  return { handshake: { blockMs: 100, blocks: split(handshakeMs, Math.min(20, blocks)) }, publish: split(publishMs, blocks) };
}

/** Blocks of whole publishes: fan-out values and each publish's completion (its slowest delivery); `lost` spread evenly over them. */
function fakeIntervals(fanoutValues: readonly number[], perPublish: number, blocks: number, lost = 0): NonNullable<Report['intervals']> {
  const publishes = Math.ceil(fanoutValues.length / perPublish);
  const perBlock = Math.ceil(publishes / blocks);
  const fanout: string[] = [];
  const completion: string[] = [];
  for (let b = 0; b < blocks; b++) {
    const values = fanoutValues.slice(b * perBlock * perPublish, (b + 1) * perBlock * perPublish);
    const done: number[] = [];
    for (let i = 0; i < values.length; i += perPublish) done.push(Math.max(...values.slice(i, i + perPublish)));
    fanout.push(values.length === 0 ? '' : encodeHistogram(histOf(values)));
    completion.push(done.length === 0 ? '' : encodeHistogram(histOf(done)));
  }
  const lostPerBlock = Array.from({ length: blocks }, (_, b) => Math.floor((lost * (b + 1)) / blocks) - Math.floor((lost * b) / blocks));
  return { blockMs: 1000, fanout, completion, ...(lost > 0 ? { lost: lostPerBlock } : {}) };
}

/** A plausible timeline for a report: `intervals` lines spread over its hold. */
export function fakeTimeline(report: Report, intervals = 12): TimelineLine[] {
  const step = report.scenario.durationMs / intervals;
  const perInterval = Math.floor(report.fanout.delivered / intervals);
  const p: PercentileSet = report.fanout.latencyMs;
  return Array.from({ length: intervals }, (_, i) => ({
    t: new Date(Date.parse(report.startedAt) + (i + 1) * step).toISOString(),
    elapsedMs: Math.round((i + 1) * step),
    open: Math.min(report.connections.peakOpen, Math.round((report.connections.peakOpen * (i + 1)) / 2)),
    connects: i < 2 ? Math.ceil(report.connections.opened / 2) : 0,
    connectFailures: 0,
    closes: i === intervals - 1 ? report.disconnects.total : 0,
    closesByCause: i === intervals - 1 ? report.disconnects.byCause : {},
    published: Math.floor(report.fanout.published / intervals),
    deliveries: perInterval,
    lost: 0,
    fanoutMs: { p50: p.p50, p99: p.p99 * (1 + (i % 3) * 0.1), max: p.max, count: perInterval },
    rssMb: 100 + i,
    eventLoopLagMs: 1 + (i % 4),
  }));
}

/**
 * Writes `report` as `<dir>/<name>.json`, and its timeline as `<name>.ndjson` beside it when
 * given (setting report.files.timeline). Returns the report file's path.
 */
export function writeReport(dir: string, name: string, report: Report, timeline?: TimelineLine[]): string {
  mkdirSync(dir, { recursive: true });
  const copy: Report = { ...report, files: { ...report.files } };
  if (timeline) {
    copy.files.timeline = `${name}.ndjson`;
    writeFileSync(join(dir, `${name}.ndjson`), timeline.map((l) => JSON.stringify(l)).join('\n') + '\n');
  }
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(copy, null, 2) + '\n');
  return file;
}

/**
 * The runs behind test/fixtures/reports/{before,after}.json: the same soak twice, the second with
 * a slower tail (p99 ~8 ms → ~80 ms), 50 lost deliveries and a 60 s gateway idle timeout cutting
 * the quiet cohort. Regenerate the files with writeFixturePair() if fakeReport changes.
 */
export function fixturePair(): { before: Report; after: Report } {
  const endCloses = (n: number, cohort: string): FakeClose[] =>
    Array.from({ length: n }, (_, i) => ({ cohort, cause: 'client-close', code: 1000, idleMs: 200 + (i % 50) * 10, ageMs: 62_000 }));
  const before = fakeReport({
    name: 'fanout-soak',
    connections: 200,
    cohorts: { quiet: 100, ping: 100 },
    startedAt: '2025-03-01T09:00:00.000Z',
    fanoutMs: latencies(12_000, { seed: 7, baseMs: 4, spreadMs: 4, tailMs: 40, tailShare: 0.004 }),
    closes: [...endCloses(100, 'quiet'), ...endCloses(100, 'ping')],
  });
  before.scenario.thresholds = { 'fanout.p99': '< 50ms' };
  before.thresholds = [
    { metric: 'fanout.p99', expression: '< 50ms', actual: before.fanout.latencyMs.p99, pass: before.fanout.latencyMs.p99 < 50 },
  ];
  const drops: FakeClose[] = Array.from({ length: 40 }, (_, i) => ({
    cohort: 'quiet',
    cause: 'connection-lost',
    code: 1006,
    idleMs: 60_000 + (i % 10) * 20,
    ageMs: 60_500 + i * 10,
    error: 'ECONNRESET',
  }));
  const after = fakeReport({
    name: 'fanout-soak',
    connections: 200,
    cohorts: { quiet: 100, ping: 100 },
    startedAt: '2025-03-02T09:00:00.000Z',
    fanoutMs: latencies(11_950, { seed: 11, baseMs: 4, spreadMs: 4, tailMs: 120, tailShare: 0.03 }),
    lost: 50,
    closes: [...drops, ...endCloses(60, 'quiet'), ...endCloses(100, 'ping')],
    idleTimeout: { estimateMs: 60_090, spreadMs: 180, samples: 40, cohort: 'quiet' },
    recommendation: 'cohort quiet was cut after ~60 s idle: send a ping at least every 30 s, or raise the gateway idle timeout',
  });
  after.scenario.thresholds = { 'fanout.p99': '< 50ms' };
  after.thresholds = [
    { metric: 'fanout.p99', expression: '< 50ms', actual: after.fanout.latencyMs.p99, pass: after.fanout.latencyMs.p99 < 50 },
  ];
  return { before, after };
}

/** Writes fixturePair() to `dir` (before.json with before.ndjson beside it, after.json). */
export function writeFixturePair(dir: string): { before: string; after: string } {
  const { before, after } = fixturePair();
  return { before: writeReport(dir, 'before', before, fakeTimeline(before)), after: writeReport(dir, 'after', after) };
}
