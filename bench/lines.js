/**
 * Turns measured runs into the benchmark's JSON lines, and the wsload/baseline pairs into the
 * summary line checked against issue 2's targets. Pure: no I/O.
 */
import { connectRateFromFds, cpuPercentBetween, rssMbAt, rssMbBefore, rssSeriesMb } from './proc-stats.js';

/** Issue 2's targets, as ratios wsload / baseline. */
export const TARGETS = { rss: { max: 1.2 }, connectRate: { min: 0.9 }, cpuPerDelivery: { max: 1.2 } };

/** A target process above this share of one core limited the deliveries, not the client. */
const TARGET_BUSY_PCT = 90;

/**
 * The hold window CPU is measured over: the first 2 s after the ramp (GC of handshake garbage,
 * sockets settling) and the last 0.5 s are left out when the hold is long enough to spare them.
 */
export function cpuWindow(holdStartT, holdEndT) {
  const holdMs = holdEndT - holdStartT;
  return holdMs >= 6000 ? [holdStartT + 2000, holdEndT - 500] : [holdStartT, holdEndT];
}

const round = (n, digits = 0) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/**
 * The JSON line of one comparison run.
 * @param {import('./run-baseline.js').Measure} m
 */
export function runLine(m, ticksPerSecond) {
  const holdSec = Math.max(0.001, (m.holdEndT - m.holdStartT) / 1000);
  const [t0, t1] = cpuWindow(m.holdStartT, m.holdEndT);
  const cpuPct = cpuPercentBetween(m.client, t0, t1, ticksPerSecond);
  const targetCpuPct = cpuPercentBetween(m.target, t0, t1, ticksPerSecond);
  const deliveriesPerSec = m.delivered / holdSec;
  return {
    tool: m.tool,
    run: m.run,
    workers: m.workers,
    sockets: m.sockets,
    held: m.held,
    failed: m.failed,
    publishRate: m.publishRate,
    published: m.published,
    publishSkipped: m.publishSkipped,
    rampMs: round(m.rampMs),
    connectRatePerSec: m.rampMs > 0 ? round(m.opened / (m.rampMs / 1000)) : 0,
    connectRateFromFdsPerSec: round(connectRateFromFds(m.client, m.sockets) ?? 0),
    rssMb: { afterRamp: round(rssMbAt(m.client, m.holdStartT)), end: round(rssMbBefore(m.client, m.holdEndT)) },
    cpuPct: round(cpuPct, 1),
    cpuPer10kDeliveriesPerSec: deliveriesPerSec > 0 ? round(cpuPct / (deliveriesPerSec / 10_000), 2) : null,
    deliveriesPerSec: round(deliveriesPerSec),
    fanoutP50Ms: round(m.fanoutP50Ms, 2),
    fanoutP99Ms: round(m.fanoutP99Ms, 2),
    lost: m.lost,
    targetCpuPct: round(targetCpuPct, 1),
    lagMaxMs: round(m.lagMaxMs, 1),
    saturated: m.saturated,
  };
}

/**
 * The soak line: churn, reconnects, and RSS at the start and end of the hold with the series
 * between them, every `stepMs`.
 * @param {import('./run-wsload.js').WsloadMeasure} m
 */
export function soakLine(m, ticksPerSecond, stepMs = 10_000) {
  const base = runLine(m, ticksPerSecond);
  const start = rssMbAt(m.client, m.holdStartT);
  const end = rssMbBefore(m.client, m.holdEndT);
  const r = /** @type {{ reconnects: { total: number, missedPublishes: number }, disconnects: { total: number, byCause: object } }} */ (
    m.report
  );
  return {
    tool: 'wsload',
    run: m.run,
    workers: m.workers,
    sockets: m.sockets,
    held: m.held,
    holdSeconds: round((m.holdEndT - m.holdStartT) / 1000),
    publishRate: m.publishRate,
    churn: { dropCalls: m.churn.calls, dropCallsFailed: m.churn.failedCalls, dropped: m.churn.dropped },
    reconnects: r.reconnects.total,
    disconnects: r.disconnects.total,
    disconnectsByCause: r.disconnects.byCause,
    missedPublishes: r.reconnects.missedPublishes,
    failed: m.failed,
    rssMb: {
      holdStart: round(start),
      holdEnd: round(end),
      growth: round(end - start),
      seriesEvery10s: rssSeriesMb(m.client, m.holdStartT, m.holdEndT, stepMs),
    },
    cpuPct: base.cpuPct,
    cpuPctStartEnd: cpuStartEnd(m, ticksPerSecond),
    ...(m.metrics
      ? {
          metricsEndpoint: {
            scrapes: m.metrics.scrapes,
            failedScrapes: m.metrics.failedScrapes,
            maxScrapeMs: m.metrics.maxScrapeMs,
            deliveriesAtLastScrape: m.metrics.lastDeliveries,
            reportDelivered: m.delivered,
          },
        }
      : {}),
    deliveriesPerSec: base.deliveriesPerSec,
    fanoutP50Ms: base.fanoutP50Ms,
    fanoutP99Ms: base.fanoutP99Ms,
    lost: m.lost,
    lagMaxMs: base.lagMaxMs,
    saturated: m.saturated,
  };
}

/**
 * CPU of the client over the first and the last stretch of the hold (each a third of the CPU
 * window, at most 10 s), so a soak shows whether its cost creeps up.
 * @param {import('./run-wsload.js').WsloadMeasure} m
 */
export function cpuStartEnd(m, ticksPerSecond) {
  const [t0, t1] = cpuWindow(m.holdStartT, m.holdEndT);
  const w = Math.min(10_000, (t1 - t0) / 3);
  return {
    start: round(cpuPercentBetween(m.client, t0, t0 + w, ticksPerSecond), 1),
    end: round(cpuPercentBetween(m.client, t1 - w, t1, ticksPerSecond), 1),
    windowSeconds: round(w / 1000, 1),
  };
}

function ratio(a, b) {
  return typeof a === 'number' && typeof b === 'number' && b > 0 ? round(a / b, 2) : null;
}

/** CPU per 10k deliveries/s from the difference between two rates: fixed costs (timers, idle sockets) cancel out. */
function marginalCpuPer10k(lo, hi) {
  const dd = hi.deliveriesPerSec - lo.deliveriesPerSec;
  return dd > 1000 ? round(((hi.cpuPct - lo.cpuPct) / dd) * 10_000, 2) : null;
}

/**
 * The summary line: ratios wsload (workers 1) / baseline against the targets. RSS and connect
 * rate come from the first rate's pair (the ~50k deliveries/s run); CPU per delivery from the
 * pair with the most deliveries/s, where per-delivery cost dominates fixed costs. `connectRate`
 * is what each tool reports (for wsload its report's ramp time, which allPass uses);
 * `connectRateFromFds` is the same outside view for both (fd count of the process). Lines whose
 * client or target saturated are named, so a saturated client is never read as a slow gateway.
 * @param {ReturnType<typeof runLine>[]} lines
 */
export function summaryLine(lines) {
  // Only the comparison runs ("rate-…") pair up; the large run is reported on its own.
  const baselines = lines.filter((l) => l.tool === 'baseline' && l.run.startsWith('rate-'));
  const pairs = baselines
    .map((b) => ({ b, w: lines.find((l) => l.tool === 'wsload' && l.workers === 1 && l.run === b.run) }))
    .filter((p) => p.w !== undefined);
  const notes = [];
  for (const l of lines) {
    const who = `${l.tool}${l.tool === 'wsload' ? ` workers ${l.workers}` : ''} ${l.run}`;
    if (l.saturated)
      notes.push(`${who}: the client saturated (event-loop lag or publish schedule); its latency and throughput are client-bound`);
    if (l.targetCpuPct >= TARGET_BUSY_PCT)
      notes.push(`${who}: the target used ${l.targetCpuPct}% of a core; deliveries/s are target-bound`);
    if (l.lost > 0) notes.push(`${who}: ${l.lost} deliveries lost`);
    if (l.publishSkipped > 0)
      notes.push(`${who}: ${l.publishSkipped} publishes skipped (publish requests backed up), so fewer deliveries were due`);
    if (l.failed > 0) notes.push(`${who}: ${l.failed} connection attempts failed`);
    if (l.held < l.sockets) notes.push(`${who}: held ${l.held} of ${l.sockets} sockets`);
  }
  if (pairs.length === 0) return { summary: true, note: 'no wsload/baseline pair was measured', notes };
  const first = pairs[0];
  const busiest = pairs.reduce((a, p) => (p.b.deliveriesPerSec > a.b.deliveriesPerSec ? p : a));
  const ratios = {
    rss: ratio(first.w.rssMb.end, first.b.rssMb.end),
    rssAfterRamp: ratio(first.w.rssMb.afterRamp, first.b.rssMb.afterRamp),
    connectRate: ratio(first.w.connectRatePerSec, first.b.connectRatePerSec),
    connectRateFromFds: ratio(first.w.connectRateFromFdsPerSec, first.b.connectRateFromFdsPerSec),
    cpuPerDelivery: ratio(busiest.w.cpuPer10kDeliveriesPerSec, busiest.b.cpuPer10kDeliveriesPerSec),
  };
  let marginal = null;
  if (pairs.length >= 2) {
    const lo = pairs.reduce((a, p) => (p.b.deliveriesPerSec < a.b.deliveriesPerSec ? p : a));
    const wsload = marginalCpuPer10k(lo.w, busiest.w);
    const baseline = marginalCpuPer10k(lo.b, busiest.b);
    marginal = { wsloadCpuPer10k: wsload, baselineCpuPer10k: baseline, ratio: ratio(wsload, baseline) };
  }
  const pass = {
    rss: ratios.rss !== null && ratios.rss <= TARGETS.rss.max,
    connectRate: ratios.connectRate !== null && ratios.connectRate >= TARGETS.connectRate.min,
    connectRateFromFds: ratios.connectRateFromFds !== null && ratios.connectRateFromFds >= TARGETS.connectRate.min,
    cpuPerDelivery: ratios.cpuPerDelivery !== null && ratios.cpuPerDelivery <= TARGETS.cpuPerDelivery.max,
  };
  return {
    summary: true,
    sockets: first.b.sockets,
    ratios,
    targets: {
      rss: `<= ${TARGETS.rss.max}`,
      connectRate: `>= ${TARGETS.connectRate.min}`,
      connectRateFromFds: `>= ${TARGETS.connectRate.min}`,
      cpuPerDelivery: `<= ${TARGETS.cpuPerDelivery.max}`,
    },
    pass,
    allPass: pass.rss && pass.connectRate && pass.cpuPerDelivery,
    basis: { rssAndConnect: first.b.run, cpuPerDelivery: busiest.b.run },
    marginalCpuPer10kDeliveriesPerSec: marginal,
    notes,
  };
}
