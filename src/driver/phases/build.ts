/**
 * Phase 6, build: the warnings the run gathered, the drop events, and what the workers, the
 * publisher and the main thread measured, turned into the Report (report/build).
 */
import { basename } from 'node:path';
import type { Report } from '../../run/report.js';
import { openCounts } from '../../run/publish-ring.js';
import { buildReport } from '../../report/build.js';
import { memoryTrend } from '../../metrics/memory-trend.js';
import { crossChecks, observeSection } from '../../report/observe-section.js';
import { evaluateThresholds } from '../../report/thresholds.js';
import { observedEndpoints } from '../observe-scraper.js';
import type { Coordination } from '../coordination.js';
import { shardReports } from '../shard-report.js';
import { describeEnvironment } from '../environment.js';
import type { Measurement } from '../measurement.js';
import type { RunState } from '../run-state.js';
import type { HoldResult } from './hold.js';
import type { RampTimes } from './ramp.js';
import type { TargetPlan } from './start-target.js';

/** The run's own warnings that only its end can tell: soak files not written whole, an interrupt. */
function endWarnings(state: RunState, m: Measurement): void {
  const writer = m.files?.writer ?? null;
  if (writer && writer.writeErrors > 0) {
    state.warnings.push(
      `${writer.writeErrors} interval${writer.writeErrors === 1 ? ' was' : 's were'} not written whole to the .ndjson/.hlog (${writer.firstError ?? 'unknown error'})`,
    );
  }
  if (state.interrupted()) {
    state.warnings.push(
      'the run was interrupted: publishes still within their delivery deadline count only the copies that had arrived; the sockets still waiting for them are not in expected or lost',
    );
  }
}

/** What is attached after buildReport (this process's memory trend, the observed endpoints), and the thresholds that read them. */
function attachTrends(report: Report, state: RunState, target: TargetPlan, m: Measurement, held: HoldResult, spread: boolean): void {
  const { scenario } = state;
  // This process's RSS: in a run spread over processes it is not the shards' (they report their own peaks).
  const memory =
    held.holdStartMs > 0 && !spread
      ? memoryTrend(m.progress.rss, held.holdStartMs - state.startMs, held.holdEndMs - state.startMs, scenario.report.memory)
      : null;
  if (memory) report.client.memory = memory;
  if (m.observe) {
    const hold = held.holdStartMs > 0 ? { startMs: held.holdStartMs - state.startMs, endMs: held.holdEndMs - state.startMs } : null;
    report.observe = observeSection(m.observe.endpoints(), observedEndpoints(scenario, target.embedded?.httpUrl ?? null), hold);
    for (const e of report.observe) {
      const checks = crossChecks(e.series, report);
      if (checks.length > 0) e.checks = checks;
    }
  }
  // client.rss.slope and observe.* thresholds read what was attached after buildReport evaluated them.
  if (memory || report.observe) report.thresholds = evaluateThresholds(report, scenario.thresholds);
}

/** A spread run's open counts, from the shards' merged open/close logs. */
function spreadOpenCounts(report: Report, coordination: Coordination, m: Measurement, held: HoldResult): void {
  if (!report.shards) return;
  // Exact from the merged open/close logs; the sum of the shards' own peaks only past their bound.
  const peak = coordination.peakOpen.peak();
  if (peak !== null) report.connections.peakOpen = peak;
  else if (report.shards.length > 1) report.connections.peakOpenUpperBound = true;
  // The agents report their open counts every 500 ms, stale when a stage ends mid-ramp; the logs
  // give the count at the hold's end exactly, a lost worker's sockets closed when it was lost.
  // Past the logs' bound: the live workers' last counts (a lost one's sockets are not open).
  const atEnd = coordination.peakOpen.openAt(held.holdEndMs);
  report.connections.openAtEnd = atEnd ?? m.aggregate.workers.reduce((n, w) => n + (w.crashed === null ? (w.counters?.open ?? 0) : 0), 0);
}

export function buildRunReport(
  state: RunState,
  target: TargetPlan,
  m: Measurement,
  ramp: RampTimes,
  held: HoldResult,
  coordination: Coordination | null = null,
): Report {
  const { scenario, warnings } = state;
  const { url, publishUrl } = target;
  const endedAt = new Date();
  endWarnings(state, m);
  const drops = m.dropWatch.finish(held.holdEndMs);
  // Before the report: thresholds and the verdict read the shards' books and clock bounds.
  const shards = coordination ? shardReports(coordination.coordinator.shards(), m.aggregate) : undefined;
  if (drops.omittedEvents > 0)
    warnings.push(`${drops.omittedEvents} more drop events than the ${drops.events.length} listed in disconnects.events`);
  const report = buildReport({
    scenario,
    aggregate: m.aggregate,
    publisher: state.publisher?.stats ?? null,
    startedAt: state.startedAt,
    endedAt,
    interrupted: state.interrupted(),
    interruptReason: state.interruptReason,
    target: {
      url,
      publishUrl,
      embedded: target.embedded !== null,
      tlsInsecure: /^wss:/i.test(url) || /^https:/i.test(publishUrl ?? '') ? scenario.tls.insecure : false,
    },
    phases: {
      rampMs: Math.round(ramp.rampEndMs - ramp.rampStartMs),
      holdMs: Math.round(Math.max(0, held.holdEndMs - (held.holdStartMs || held.holdEndMs))),
    },
    peakOpen: openCounts(m.ring).peak,
    openAtEnd: held.openAtEnd,
    peakRssMb: m.progress.peakRssMb,
    mainLag: held.holdStartMs > 0 ? m.mainLag.reading() : null,
    // Spread over processes, this process is not all of wsload: the split would blame the shards on "other processes".
    hostCpu: held.holdStartMs > 0 && !coordination ? m.hostCpu.reading() : null,
    environment: describeEnvironment(),
    files: m.files
      ? {
          timeline: basename(m.files.timeline),
          hlog: basename(m.files.hlog),
          ...(m.files.writer.writeErrors > 0 ? { writeErrors: m.files.writer.writeErrors } : {}),
        }
      : { timeline: null, hlog: null },
    warnings,
    drops,
    shards,
    clockUncertaintyMs: Math.max(0, ...(shards ?? []).map((s) => s.clockUncertaintyMs)),
  });
  report.intervals = m.blocks.toReport();
  attachTrends(report, state, target, m, held, coordination !== null);
  if (coordination) spreadOpenCounts(report, coordination, m, held);
  return report;
}
