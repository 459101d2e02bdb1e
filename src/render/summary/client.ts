/** The summary's client block (lag, memory, saturation) and the thresholds block. */
import { plural } from '../../text/plural.js';
import type { Report } from '../../run/report.js';
import { fmtCount, fmtLatency, fmtMs, newTable, type Paint } from '../format.js';
import { thresholdActualText } from '../threshold-text.js';
import { memoryTrendText } from '../memory-text.js';
import { noSocketConnected } from '../../report/verdict.js';

export function client(r: Report): string[] {
  const c = r.client;
  const env = r.environment;
  const limits = [
    env.openFilesLimit !== null ? `open files limit ${fmtCount(env.openFilesLimit)}` : null,
    env.ephemeralPorts !== null ? `ephemeral ports ${fmtCount(env.ephemeralPorts)}` : null,
  ].filter((x): x is string => x !== null);
  const busy = c.workers.map((w) => w.utilization).filter((u): u is number => u !== undefined);
  const main = c.mainThreadLagMs ? ` · main thread p99 ${fmtMs(c.mainThreadLagMs.p99)}, max ${fmtMs(c.mainThreadLagMs.max)}` : '';
  // A share of a hold that never took place (no socket connected) is no figure.
  const load = busy.length > 0 && r.phases.holdMs > 0 ? ` · workers busy up to ${Math.round(Math.max(...busy) * 100)}% of the hold` : '';
  return [
    'Client (during the hold)',
    `  worker event-loop lag p99 ${fmtMs(c.eventLoopLagMs.p99)}, max ${fmtMs(c.eventLoopLagMs.max)}${main}${load} · ` +
      `publish schedule lag p99 ${fmtLatency(r.publish.scheduleLagMs, 'p99')}`,
    `  peak RSS ${fmtCount(c.peakRssMb)} MB · ${plural(c.workers.length, 'worker')}${limits.length > 0 ? ` · ${limits.join(', ')}` : ''}`,
    ...(c.memory ? [`  memory ${memoryTrendText(c.memory)}`] : []),
  ];
}

export function thresholds(r: Report, color: boolean, paint: Paint): string[] {
  if (r.thresholds.length === 0) return [];
  const t = newTable(['threshold', 'expression', 'actual', 'result'], color);
  if (noSocketConnected(r) && !r.interrupted) {
    // Every one would read "no data" or count the failed attempts: the run's failure is the connection.
    for (const th of r.thresholds) t.push([th.metric, th.expression, '–', paint('not judged', 'red')]);
    return ['Thresholds', t.toString(), `  ${paint('not judged: no socket connected', 'red')}`];
  }
  for (const th of r.thresholds) {
    t.push([th.metric, th.expression, thresholdActualText(th), th.pass ? paint('pass', 'green') : paint('FAIL', 'red')]);
  }
  const failed = r.thresholds.filter((th) => !th.pass).length;
  const verdict =
    failed === 0 ? paint('all thresholds passed', 'green') : paint(`${failed} of ${r.thresholds.length} thresholds FAILED`, 'red');
  return ['Thresholds', t.toString(), `  ${verdict}`];
}
