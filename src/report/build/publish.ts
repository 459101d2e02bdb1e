/** The report's publish section before its percentile sets, and the warning when the publish path fell behind its rate. */
import type { Scenario } from '../../run/scenario.js';
import { percentiles } from '../../metrics/histogram.js';
import type { LoopLagReading } from '../../metrics/loop-lag.js';
import type { PublisherStats } from '../../metrics/publisher-stats.js';
import { publishBlame } from '../publish-behind.js';
import type { BuildContext } from './context.js';

/** The publish section's fields before its percentile sets. */
export function publishCounters(ctx: BuildContext, behind: boolean) {
  const p = ctx.input.publisher;
  return {
    sent: p?.sent ?? 0,
    failed: p?.failed ?? 0,
    aborted: p?.aborted ?? 0,
    skipped: p?.skipped ?? 0,
    queued: p?.queued ?? 0,
    maxQueueMs: Math.round(p?.maxQueueMs ?? 0),
    behind,
    runTag: p?.runTag ?? null,
    failures: { ...(p?.failures ?? {}) },
  };
}

export function publishBehindWarning(p: PublisherStats, scenario: Scenario, mainLag: LoopLagReading | null): string {
  const rate = 1000 / p.intervalMs;
  const slots = scenario.publish?.concurrency ?? 1;
  const blame = publishBlame({
    net: percentiles(p.latency),
    measured: percentiles(p.measuredLatency),
    slots,
    ratePerS: rate,
    mainLag: mainLag ? { p99: mainLag.p99Ms, max: mainLag.maxMs } : null,
  });
  return (
    `the publish path did not keep the rate of ${+rate.toFixed(3)}/s${scenario.publish?.stages ? " (the stages' peak)" : ''}: ${p.queued} publishes waited for one of ` +
    `${slots} request slots (publish.concurrency), up to ${Math.round(p.maxQueueMs)} ms, and ${p.skipped} were never sent; ` +
    `${blame.cause}. Fan-out latency includes that wait (it counts from the scheduled time): ${blame.remedy}`
  );
}
