/** The client's health (event-loop lag, saturation, the warnings about the client) and the report's client section. */
import type { Report } from '../../run/report.js';
import type { SectionSets } from '../../run/registry.js';
import { describeFailure } from '../../metrics/classify.js';
import { judgeSaturation } from '../saturation.js';
import { publishBehind } from '../publish-behind.js';
import { pct, round2, type BuildContext } from './context.js';
import { publishBehindWarning } from './publish.js';

/** The client's health: event-loop lag, the saturation verdict, and the warnings about the client and the publish path. */
export function clientHealth(ctx: BuildContext) {
  const { input, totals, warnings } = ctx;
  const { aggregate, publisher, scenario } = input;
  // A publish path that cannot keep the rate is not the client's event loop: it is named apart.
  const behind = publisher !== null && publishBehind(publisher);
  const mainLag = input.mainLag ?? null;
  if (publisher && behind) warnings.push(publishBehindWarning(publisher, scenario, mainLag));
  const hostCpu = input.hostCpu ?? null;
  const verdict = judgeSaturation({
    workers: aggregate.workers,
    mainLag,
    turn: pct(ctx.h('clientTurn')),
    fanout: pct(ctx.h('fanout')),
    holdMs: input.phases.holdMs,
    opened: totals.opened,
    cpu: hostCpu,
  });
  if (verdict.saturated) warnings.push(`the client was saturated during the hold (${verdict.reasons.join('; ')}): ${verdict.advice ?? ''}`);
  for (const w of aggregate.workers) {
    if (w.crashed) warnings.push(`worker ${w.workerId} crashed (${w.crashed}); its ${w.sockets} sockets stopped counting then`);
  }
  if (input.target.tlsInsecure)
    warnings.push("TLS certificate verification was OFF (tls.insecure): the gateway's certificate was not checked");
  const failures = Object.entries(totals.failures).sort((a, b) => b[1] - a[1]);
  if (failures.length > 0 && totals.opened === 0) {
    warnings.push(`no socket connected: ${failures.map(([r, n]) => `${n} ${describeFailure(r)}`).join(', ')}`);
  }
  return { behind, mainLag, hostCpu, verdict };
}

export type ClientHealth = ReturnType<typeof clientHealth>;

export function clientSection(ctx: BuildContext, health: ClientHealth, sets: SectionSets<'client'>): Report['client'] {
  const { input } = ctx;
  const workers = input.aggregate.workers;
  const { mainLag, hostCpu, verdict } = health;
  return {
    eventLoopLagMs: {
      max: round2(Math.max(0, ...workers.map((w) => w.lag.maxMs))),
      p99: round2(Math.max(0, ...workers.map((w) => w.lag.p99Ms))),
    },
    ...(mainLag ? { mainThreadLagMs: { max: round2(mainLag.maxMs), p99: round2(mainLag.p99Ms) } } : {}),
    ...sets,
    saturationReasons: verdict.reasons,
    saturationCause: verdict.cause,
    ...(hostCpu ? { cpu: hostCpu } : {}),
    workers: workers.map((w) => ({
      worker: w.workerId,
      sockets: w.sockets,
      eventLoopLagMs: {
        max: round2(w.lag.maxMs),
        p99: round2(w.lag.p99Ms),
        ...(w.lag.p90Ms !== undefined ? { p90: round2(w.lag.p90Ms) } : {}),
        mean: round2(w.lag.meanMs),
      },
      ...(w.lag.utilization !== undefined ? { utilization: round2(w.lag.utilization) } : {}),
      crashed: w.crashed,
    })),
    peakRssMb: Math.round(input.peakRssMb),
    saturated: verdict.saturated,
  };
}
