/** The timeline's fan-out, connection and delivery charts. */
import { fmtMs } from '../format.js';
import { COLORS, figure } from '../html-page.js';
import { dashFrom, points, deliveriesPerSecond } from './spans.js';
import { perSec, countParts, chart, type ChartSet, count } from './chart.js';

/** Fan-out latency p50 and p99 per interval (none before the first delivery). */
export function fanoutFigures({ c, rated, extra }: ChartSet): string[] {
  const out: string[] = [];
  const withFanout = rated.filter((s) => s.line.fanoutMs.count > 0);
  if (withFanout.length > 0) {
    const dash = dashFrom(withFanout);
    out.push(
      figure(
        'Fan-out latency per interval',
        chart(c, 'Fan-out latency per interval', fmtMs, {
          bands: [
            {
              name: 'p50–p99',
              color: COLORS.p99,
              lower: points(withFanout, 'mid', (s) => s.line.fanoutMs.p50),
              upper: points(withFanout, 'mid', (s) => s.line.fanoutMs.p99),
            },
          ],
          lines: [
            { name: 'p99', color: COLORS.p99, points: points(withFanout, 'mid', (s) => s.line.fanoutMs.p99), dashedFrom: dash },
            { name: 'p50', color: COLORS.p50, points: points(withFanout, 'mid', (s) => s.line.fanoutMs.p50), dashedFrom: dash },
          ],
        }),
        [{ name: 'p99', color: COLORS.p99 }, { name: 'p50', color: COLORS.p50 }, { name: 'p50–p99 band', color: '#f2c4bf' }, ...extra],
        'receipt − scheduled publish time',
      ),
    );
  }
  return out;
}

/** Open sockets and connect failures per interval. */
export function connectionFigures({ c, spans, extra }: ChartSet): string[] {
  const out: string[] = [];
  // The open count of a partial last interval is read after wsload closed its own sockets: left out.
  const full = spans.filter((s) => !s.partial);
  out.push(
    figure(
      'Open sockets',
      chart(c, 'Open sockets', count, {
        lines: [{ name: 'open', color: COLORS.main, points: [[0, 0], ...points(full, 'to', (s) => s.line.open)] }],
      }),
      [{ name: 'open at the interval’s end', color: COLORS.main }, ...extra],
    ),
  );

  out.push(
    figure(
      'Connect failures per interval',
      chart(
        c,
        'Connect failures per interval',
        count,
        countParts(spans, 'connect failures', COLORS.after, (s) => s.line.connectFailures),
      ),
      [
        {
          name: spans.some((s) => s.line.connectFailures > 0)
            ? 'failed connection attempts (first connects and reconnects)'
            : 'no connection attempt failed',
          color: COLORS.after,
        },
        ...extra,
      ],
    ),
  );
  return out;
}

/** Deliveries per second and lost deliveries per interval, when the run publishes. */
export function deliveryFigures({ r, c, spans, rated, dashed, extra }: ChartSet): string[] {
  const out: string[] = [];
  if (r.publishes || spans.some((s) => s.line.deliveries > 0)) {
    out.push(
      figure(
        'Deliveries per second',
        chart(c, 'Deliveries per second', perSec, {
          lines: [{ name: 'deliveries/s', color: COLORS.main, points: points(rated, 'mid', deliveriesPerSecond), dashedFrom: dashed }],
        }),
        [{ name: 'deliveries/s over each interval', color: COLORS.main }, ...extra],
      ),
      figure(
        'Lost deliveries per interval',
        chart(
          c,
          'Lost deliveries per interval',
          count,
          countParts(spans, 'lost', COLORS.p99, (s) => s.line.lost),
        ),
        [
          {
            name: spans.some((s) => s.line.lost > 0) ? 'deliveries due in the interval that never arrived in time' : 'no delivery lost',
            color: COLORS.p99,
          },
          ...extra,
        ],
        'by the publish’s scheduled time; missed while reconnecting is not lost',
      ),
    );
  }
  return out;
}
