/** The timeline's close, reconnect and client (RSS, event-loop lag) charts. */
import { fmtCount, fmtMs } from '../format.js';
import { CAUSE_COLORS, COLORS, figure } from '../html-page.js';
import type { TimeStack } from '../timeline-chart.js';
import { dashFrom, points } from './spans.js';
import { chart, mb, type ChartSet, count, countParts } from './chart.js';

// A mid grey that reads on white (4.5:1, where #ddd was 1.4:1), a shade darker than the axis's #888 it lies on.
const NO_CLOSE_COLOR = '#767676';

/** Closes per interval by cause, and reconnects (not in timelines of older wsload versions). */
export function closeFigures({ c, spans, extra }: ChartSet): string[] {
  const out: string[] = [];
  const causes = Object.keys(CAUSE_COLORS).filter((cause) =>
    spans.some((s) => (s.line.closesByCause[cause as keyof typeof s.line.closesByCause] ?? 0) > 0),
  );
  const stacks: TimeStack[] = causes.map((cause) => ({
    name: cause,
    color: CAUSE_COLORS[cause],
    bars: spans.map((s) => ({
      from: s.from,
      to: s.to,
      value: s.line.closesByCause[cause as keyof typeof s.line.closesByCause] ?? 0,
      partial: s.partial,
    })),
  }));
  // No close at all: one stack of zeros, which the chart draws as a line along 0 with its values on hover.
  const parts = causes.length > 0 ? { stacks } : countParts(spans, 'closes', NO_CLOSE_COLOR, () => 0);
  out.push(
    figure(
      'Closes per interval, by cause',
      chart(c, 'Closes per interval, by cause', count, parts),
      [
        ...(causes.length > 0
          ? causes.map((cause) => ({ name: cause, color: CAUSE_COLORS[cause] }))
          : [{ name: 'no socket closed before the end', color: NO_CLOSE_COLOR }]),
        ...extra,
      ],
      'wsload’s own closes at the end are not counted',
    ),
  );

  if (spans.some((s) => s.line.reconnects !== undefined)) {
    out.push(
      figure(
        'Reconnects per interval',
        // Before the first reconnect (the live dashboard, a run without drops) a line along 0, not an empty plot.
        chart(
          c,
          'Reconnects per interval',
          count,
          countParts(spans, 'reconnects', COLORS.reconnect, (s) => s.line.reconnects ?? 0),
        ),
        [{ name: 'reconnect handshakes that succeeded', color: COLORS.reconnect }, ...extra],
      ),
    );
  } else {
    out.push('<p class="meta">Reconnects per interval: not in this timeline (written by an older wsload).</p>');
  }
  return out;
}

/** wsload's own RSS and the workers' event-loop lag. */
export function clientFigures({ r, c, spans, rated, dashed, extra }: ChartSet): string[] {
  const out: string[] = [];
  out.push(
    figure(
      'Memory (RSS) of wsload',
      chart(c, 'Memory (RSS) of wsload', mb, {
        lines: [{ name: 'RSS', color: COLORS.rss, points: points(spans, 'to', (s) => s.line.rssMb), dashedFrom: dashFrom(spans) }],
      }),
      [{ name: 'resident set size at the interval’s end', color: COLORS.rss }, ...extra],
      r.peakRssMb === null ? '' : `peak ${fmtCount(r.peakRssMb)} MB`,
    ),
    figure(
      'Event-loop lag of the workers',
      chart(c, 'Event-loop lag of the workers', fmtMs, {
        lines: [{ name: 'lag', color: COLORS.lag, points: points(rated, 'mid', (s) => s.line.eventLoopLagMs), dashedFrom: dashed }],
      }),
      [{ name: 'largest worker lag in the interval', color: COLORS.lag }, ...extra],
      r.lagP99Ms === null ? '' : `p99 over the hold ${fmtMs(r.lagP99Ms)}`,
    ),
  );
  return out;
}
