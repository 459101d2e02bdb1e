/**
 * The frame every HTML page shares: one self-contained file with inline CSS (no scripts, no
 * network: a Content-Security-Policy forbids them), a layout that fills a wide screen and reflows
 * on a phone, and charts drawn twice — a wide and a narrow SVG — so text stays readable at either
 * width (a viewBox scaled from 1,100 to 390 px would shrink 11 px labels to 4 px).
 */
import { createHash } from 'node:crypto';
import type { Histogram } from '../metrics/histogram.js';
import { reportHistogram } from '../report/read.js';
import type { Report } from '../run/report.js';
import { HISTOGRAMS, type HistogramDef } from '../run/registry.js';
import { escapeXml } from './svg-chart.js';

/** Palette shared by the pages. */
export const COLORS = {
  before: '#7a7a7a',
  after: '#c0392b',
  main: '#2c6fbb',
  second: '#d98c1f',
  p99: '#c0392b',
  p50: '#2c6fbb',
  rss: '#6a4c93',
  lag: '#b5651d',
  reconnect: '#2a9d8f',
} as const;

/** Close causes and their colours, in stacking order. */
export const CAUSE_COLORS: Readonly<Record<string, string>> = {
  'connection-lost': '#c0392b',
  'server-close': '#d98c1f',
  'protocol-error': '#6a4c93',
  'client-close': '#7a7a7a',
};

/** SVG sizes (user units) of the two drawings of each chart. */
export const WIDE = { width: 1100, height: 240, xTicks: 10 } as const;
export const NARROW = { width: 400, height: 230, xTicks: 4 } as const;
/** Either drawing's size. */
export type ChartSize = typeof WIDE | typeof NARROW;

const CSS = `
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d1d1f;background:#f6f7f9}
main{max-width:1500px;margin:0 auto;padding:16px 20px 40px}
h1{font-size:22px;margin:4px 0 2px;overflow-wrap:anywhere}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;overflow-wrap:anywhere}code{overflow-wrap:anywhere}
.loud{background:#fdecea;border:1px solid #e6a39b;color:#8a1f11;padding:8px 12px;margin:8px 0;font-weight:600;overflow-wrap:anywhere}
.verdict{border-radius:8px;padding:12px 16px;margin:12px 0;border:2px solid;overflow-wrap:anywhere}
.verdict .head{font-size:22px;font-weight:700;letter-spacing:.02em}
.verdict ul{margin:6px 0 0;padding-left:20px}.verdict li{margin:2px 0}
.verdict.ok{background:#e8f5ec;border-color:#3c9a5a;color:#14532d}
.verdict.failed{background:#fdecea;border-color:#c0392b;color:#7a1a10}
.verdict.thresholds{background:#fff4e0;border-color:#d98c1f;color:#6b3d00}
.verdict.interrupted{background:#eef0f4;border-color:#6b7280;color:#1f2937}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px;margin:12px 0}
.tile{background:#fff;border:1px solid #e2e4e8;border-radius:8px;padding:10px 12px;min-width:0}
.tile .k{color:#555;font-size:13px}.tile .v{font-size:22px;font-weight:650;overflow-wrap:anywhere}.tile .s{color:#555;font-size:13px;overflow-wrap:anywhere}
.tile.bad .v{color:#b3261e}
.scroll{overflow-x:auto;max-width:100%;-webkit-overflow-scrolling:touch}
table{border-collapse:separate;border-spacing:0;margin:8px 0;background:#fff}td,th{border:1px solid #ddd;border-width:0 1px 1px 0;padding:3px 10px;text-align:right;vertical-align:top;background:#fff}th{background:#f0f1f4}
tr:first-child>*{border-top-width:1px}tr>:first-child{border-left-width:1px}
.scroll td:first-child,.scroll th:first-child{position:sticky;left:0;z-index:1;box-shadow:3px 0 4px -2px rgba(0,0,0,.18)}
.scroll-hint{display:none;color:#666;font-size:13px;text-align:right;margin:-4px 0 4px}
details.cell summary{cursor:pointer}details.cell[open] summary{margin-bottom:4px}
.drop-list ol{margin:2px 0 8px;padding-left:28px;font-size:13px;columns:2 260px}.drop-list summary{color:#555;cursor:pointer}
svg rect.hover:hover{fill:rgba(0,0,0,.07)}
td:first-child,th:first-child,table.compare td:last-child,table.compare th:last-child,table.headline td{text-align:left}
table.compare td:nth-child(n+2):nth-child(-n+4){white-space:nowrap}table.compare td:last-child{min-width:260px}
.fail,.worse{color:#b3261e;font-weight:600}.pass,.better{color:#1e7b34}.inconclusive{color:#7a4b00}
.note{color:#666;text-align:left}p,li{overflow-wrap:anywhere}table.nums td{white-space:nowrap}.warnings li{color:#7a4b00}
figure.chart-box{background:#fff;border:1px solid #e2e4e8;border-radius:8px;margin:10px 0;padding:8px 10px 6px;min-width:0}
figure.chart-box figcaption{font-weight:600;font-size:15px}
figure.chart-box .sub{color:#666;font-size:13px;font-weight:400}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:13px;color:#333;margin:2px 0}
.legend .sw{display:inline-block;width:14px;height:10px;margin-right:5px;vertical-align:baseline;border-radius:2px}
.legend .sw.dash{height:0;border-top:3px dashed #555;border-radius:0}
.legend .sw.hatch{background:repeating-linear-gradient(45deg,#bbb 0 3px,#fff 3px 6px)}
svg.chart{display:block;width:100%;height:auto;font-size:12px}
@media (min-width:701px){table.headline td:first-child{white-space:nowrap}}
.narrow{display:none}
@media (max-width:700px){.scroll-hint{display:block}td,th{padding:3px 6px}table.thresholds td:first-child{white-space:normal}table.compare td:first-child{width:9.5em;min-width:9.5em;max-width:9.5em;overflow-wrap:anywhere}main{padding:10px 10px 30px}svg.chart{font-size:14px}svg .drop-label{font-size:13px}.wide{display:none}.narrow{display:block}h1{font-size:19px}.verdict .head{font-size:19px}}
svg .grid{stroke:#eee}svg .axis{stroke:#888;fill:none}svg .tick,svg .legend{fill:#444}svg .axis-label{fill:#555}
svg .chart-title{font-weight:600;font-size:13px;fill:#222}svg .drop-label{fill:#8a1f11;font-size:12px}
table.sides{width:100%;table-layout:fixed}table.sides td{text-align:left;overflow-wrap:anywhere}table.sides td:first-child{color:#555;width:22%}table.sides th{text-align:left}
`;

/** Escaped text. */
export const t = (s: string): string => escapeXml(s);

/** Options of page(): a live page (the dashboard) runs one inline script that talks to its own server. */
export interface PageOptions {
  /** An inline script; the Content-Security-Policy allows exactly it (by hash) and requests to the page's own origin. */
  script?: string;
}

/** The whole page around `body`. */
export function page(title: string, body: readonly string[], opts: PageOptions = {}): string {
  // A report file allows no script and no request; a live page only its own script, talking to its origin.
  const live =
    opts.script === undefined
      ? ''
      : `; script-src 'sha256-${createHash('sha256').update(opts.script).digest('base64')}'; connect-src 'self'`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:${live}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${t(title)}</title><style>${CSS}</style></head><body><main>`,
    ...body,
    ...(opts.script === undefined ? ['</main></body></html>'] : ['</main>', `<script>${opts.script}</script>`, '</body></html>']),
    '',
  ].join('\n');
}

/** Columns from which a table is likely wider than a phone: it says on a phone that it scrolls. */
const WIDE_TABLE_COLUMNS = 5;

/**
 * A table in its own horizontally scrolling box, so a wide table never widens the page. Its first
 * column stays in view while it scrolls (with a shadow where the rest slides under it), and a wide
 * one says on a phone that more columns are to the right.
 */
export function table(head: readonly string[] | null, rows: readonly (readonly string[])[], cls?: string): string {
  const th = head ? `<tr>${head.map((h) => `<th>${t(h)}</th>`).join('')}</tr>` : '';
  const columns = Math.max(head?.length ?? 0, ...rows.map((r) => r.length));
  const hint = columns >= WIDE_TABLE_COLUMNS ? '<div class="scroll-hint" aria-hidden="true">scroll sideways for more columns →</div>' : '';
  return `${hint}<div class="scroll"><table${cls ? ` class="${cls}"` : ''}>${th}${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</table></div>`;
}

/** One legend entry under a chart: a colour swatch ("line"/"box"), a dashed or a hatched one. */
export interface LegendEntry {
  name: string;
  color?: string;
  style?: 'box' | 'dash' | 'hatch';
}

/** A chart as a figure: caption, the wide and the narrow drawing (CSS shows one), legend. */
export function figure(title: string, draw: (size: ChartSize) => string, legend: readonly LegendEntry[] = [], sub = ''): string {
  const items = legend
    .map((e) => {
      const style = e.style ?? 'box';
      const css = style === 'box' && e.color ? ` style="background:${t(e.color)}"` : '';
      return `<span><span class="sw ${style}"${css}></span>${t(e.name)}</span>`;
    })
    .join('');
  return (
    `<figure class="chart-box"><figcaption>${t(title)}${sub ? ` <span class="sub">${t(sub)}</span>` : ''}</figcaption>` +
    `<div class="wide">${draw(WIDE)}</div><div class="narrow">${draw(NARROW)}</div>` +
    (items ? `<div class="legend">${items}</div>` : '') +
    '</figure>'
  );
}

const REGISTERED: readonly HistogramDef[] = HISTOGRAMS;
/** The registered histograms drawn as percentile curves, in registry order (src/run/registry.ts). */
export const CHARTED: readonly (HistogramDef & { chart: string })[] = REGISTERED.filter(
  (h): h is HistogramDef & { chart: string } => h.chart !== null,
);

/** A report's histogram when it holds samples. */
export function histogramOrNull(r: Report, key: string): Histogram | null {
  const h = reportHistogram(r, key);
  return h && h.totalCount > 0 ? h : null;
}

/** The warnings list, or nothing. */
export function warningsSection(warnings: readonly string[]): string[] {
  if (warnings.length === 0) return [];
  return ['<h2>Warnings</h2>', `<ul class="warnings">${warnings.map((w) => `<li>${t(w)}</li>`).join('')}</ul>`];
}
