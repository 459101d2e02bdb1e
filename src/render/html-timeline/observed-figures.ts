/** The timeline's charts of each observed endpoint's series. */
import { COLORS, figure, t } from '../html-page.js';
import { dashFrom, points, type Span } from './spans.js';
import { number, chart, mb, type ChartSet, MB } from './chart.js';
import { observedInLines } from './context.js';

/**
 * Each observed series of each endpoint, under the client's charts on the same axis, drop events
 * marked: the latest scraped value at each interval's end (a counter's rate per second), bytes
 * in MB. A scrape that matched nothing or failed leaves a gap in the points, not a 0.
 */
export function observedFigures({ r, c, spans, extra }: ChartSet): string[] {
  const endpoints = r.observed ?? observedInLines(spans);
  const out: string[] = [];
  for (const e of endpoints) {
    for (const s of e.series) {
      const valueOf = (sp: Span): number | null => sp.line.observe?.[e.endpoint]?.[s.name] ?? null;
      const kept = spans.filter((sp) => valueOf(sp) !== null);
      const title = `${e.endpoint}: ${s.name}`;
      if (kept.length === 0) {
        out.push(`<p class="meta">${t(title)}: no value in the timeline (every scrape failed or matched nothing).</p>`);
        continue;
      }
      const scale = s.bytes ? 1 / MB : 1;
      const unit = s.bytes ? mb : (v: number): string => (s.kind === 'counter' ? `${number(v)}/s` : number(v));
      const what =
        s.kind === 'counter'
          ? 'rate per second between the scrapes (a counter)'
          : s.kind === 'gauge'
            ? 'value scraped at the interval’s end'
            : 'value at the interval’s end (a counter’s rate per second)';
      out.push(
        figure(
          title,
          chart(c, title, unit, {
            lines: [
              {
                name: s.name,
                color: COLORS.second,
                points: points(kept, 'to', (sp) => (valueOf(sp) ?? 0) * scale),
                dashedFrom: dashFrom(kept),
              },
            ],
          }),
          [{ name: what, color: COLORS.second }, ...extra],
          `observed endpoint ${e.endpoint}`,
        ),
      );
    }
  }
  if (out.length === 0) return [];
  return [
    '<h3>Observed endpoints</h3>',
    '<p class="meta">The series scraped from the observed Prometheus endpoints (scenario <code>observe</code>), on the same time axis as the charts above.</p>',
    ...out,
  ];
}
