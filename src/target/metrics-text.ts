/**
 * The built-in target's own GET /metrics in the Prometheus text format: what an embedded run
 * observes by default (as "target") and what docs/observe.md shows a service should expose.
 * Over several processes the counts are every process's (the stats relay), the memory and the
 * event-loop lag those of the process that answered.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { TargetStats } from './types.js';

/** Event-loop delay of this process, sampled every 10 ms from the first /metrics request on. */
let loopDelay: IntervalHistogram | null = null;

function lagSeconds(): number {
  if (!loopDelay) {
    loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    return 0;
  }
  // The worst delay since the last scrape, net of the sampling period.
  const maxS = Math.max(0, loopDelay.max / 1e9 - 0.01);
  loopDelay.reset();
  return maxS;
}

function family(name: string, type: 'gauge' | 'counter', help: string, value: number): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`;
}

/** The /metrics body for the target's current stats. */
export function targetMetricsText(stats: TargetStats): string {
  const delivered = stats.perProcess.reduce((n, p) => n + p.delivered, 0);
  return (
    family('wsload_target_open_sockets', 'gauge', 'WebSockets open now.', stats.open) +
    family('wsload_target_accepted_total', 'counter', 'WebSockets accepted since the target started.', stats.accepted) +
    family('wsload_target_broadcasts_total', 'counter', 'Publishes accepted at /api and broadcast.', stats.publishes) +
    family('wsload_target_deliveries_total', 'counter', 'Copies of publishes handed to open sockets.', delivered) +
    family('wsload_target_processes', 'gauge', 'Processes sharing the port.', stats.processes) +
    family('process_resident_memory_bytes', 'gauge', 'Resident memory of the process that answered.', process.memoryUsage().rss) +
    family(
      'wsload_target_event_loop_lag_seconds',
      'gauge',
      'Worst event-loop delay of the process that answered since the previous scrape.',
      lagSeconds(),
    )
  );
}
