/**
 * Minimal inline-SVG charts (line and bar) for the HTML reports. Drawn by hand so the HTML file is
 * self-contained: no chart library, no scripts, no network.
 */

/** A tick on an axis: position in data units and its label. */
export interface Tick {
  at: number;
  label: string;
}

/** An axis in data units. */
export interface Axis {
  label: string;
  min: number;
  max: number;
  ticks: Tick[];
}

/** One line of a line chart, in data units. */
export interface Series {
  name: string;
  color: string;
  points: readonly (readonly [number, number])[];
}

/** Options of lineChart. */
export interface LineChartOptions {
  title: string;
  x: Axis;
  y: Axis;
  series: readonly Series[];
  width?: number;
  height?: number;
  margin?: Margin;
  /** Draw the title inside the SVG (default); false when the page captions the chart. */
  drawTitle?: boolean;
}

/** One bar of a bar chart: [from, to) on x and its height. */
export interface Bar {
  from: number;
  to: number;
  value: number;
}

/** Options of barChart. */
export interface BarChartOptions {
  title: string;
  x: Axis;
  y: Axis;
  bars: readonly Bar[];
  color?: string;
  width?: number;
  height?: number;
  margin?: Margin;
  /** Draw the title inside the SVG (default); false when the page captions the chart. */
  drawTitle?: boolean;
}

/** Escapes text for HTML and SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** Space around the plot area, in SVG units. */
export interface Margin {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

// Room on the right for the last percentile label ("99.999%") centred on the plot's edge.
const MARGIN: Margin = { left: 76, right: 36, top: 28, bottom: 44 };

/** Trims a float for SVG coordinates (2 decimals, no trailing zeros). */
export function n(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** Ticks at round numbers (1, 2, 2.5, 5 × 10^k) covering [0, max]; `format` labels them. */
export function niceTicks(max: number, format: (v: number) => string, target = 5): { max: number; ticks: Tick[] } {
  if (!(max > 0))
    return {
      max: 1,
      ticks: [
        { at: 0, label: format(0) },
        { at: 1, label: format(1) },
      ],
    };
  const raw = max / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const top = Math.ceil(max / step - 1e-9) * step;
  const ticks: Tick[] = [];
  for (let i = 0; i * step <= top + step / 1e6 && i <= 100; i++) ticks.push({ at: i * step, label: format(i * step) });
  return { max: top, ticks };
}

/** A chart's size and its data → SVG coordinate mapping. */
export interface Frame {
  width: number;
  height: number;
  margin: Margin;
  sx: (v: number) => number;
  sy: (v: number) => number;
}

/** The frame of a chart of `width` × `height` SVG units over axes x and y. */
export function frame(x: Axis, y: Axis, width: number, height: number, margin: Margin = MARGIN): Frame {
  const pw = width - margin.left - margin.right;
  const ph = height - margin.top - margin.bottom;
  const spanX = x.max - x.min || 1;
  const spanY = y.max - y.min || 1;
  return {
    width,
    height,
    margin,
    sx: (v) => margin.left + ((v - x.min) / spanX) * pw,
    sy: (v) => margin.top + ph - ((v - y.min) / spanY) * ph,
  };
}

/** Grid, ticks, axis lines and labels; the title as the SVG's <title> and, unless `titleText` is false, drawn on top. */
export function axes(f: Frame, x: Axis, y: Axis, title: string, titleText = true): string {
  const parts: string[] = [`<title>${escapeXml(title)}</title>`];
  const MARGIN = f.margin;
  if (titleText) parts.push(`<text class="chart-title" x="${MARGIN.left}" y="18">${escapeXml(title)}</text>`);
  const left = MARGIN.left;
  const right = f.width - MARGIN.right;
  const top = MARGIN.top;
  const bottom = f.height - MARGIN.bottom;
  for (const t of y.ticks) {
    const yy = n(f.sy(t.at));
    parts.push(`<line class="grid" x1="${left}" y1="${yy}" x2="${right}" y2="${yy}"/>`);
    parts.push(`<text class="tick" x="${left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${escapeXml(t.label)}</text>`);
  }
  for (const t of x.ticks) {
    const xx = n(f.sx(t.at));
    parts.push(`<line class="grid" x1="${xx}" y1="${top}" x2="${xx}" y2="${bottom}"/>`);
    parts.push(`<text class="tick" x="${xx}" y="${bottom + 16}" text-anchor="middle">${escapeXml(t.label)}</text>`);
  }
  parts.push(`<path class="axis" d="M${left},${top}V${bottom}H${right}"/>`);
  if (x.label)
    parts.push(
      `<text class="axis-label" x="${n((left + right) / 2)}" y="${f.height - 6}" text-anchor="middle">${escapeXml(x.label)}</text>`,
    );
  if (y.label) {
    parts.push(
      `<text class="axis-label" transform="translate(14,${n((top + bottom) / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(y.label)}</text>`,
    );
  }
  return parts.join('');
}

/**
 * The opening <svg> tag. No width or height attribute: the page's CSS scales the viewBox to its
 * container's width (height follows the aspect ratio), so a chart is as wide as the page.
 */
export function open(width: number, height: number, title: string, kind: string): string {
  return `<svg class="chart ${kind}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" preserveAspectRatio="xMidYMid meet" role="img" aria-label="${escapeXml(title)}">`;
}

/** A line chart with axes, grid, ticks and a legend; points outside the axes are clamped. */
export function lineChart(o: LineChartOptions): string {
  const f = frame(o.x, o.y, o.width ?? 720, o.height ?? 300, o.margin);
  const clampX = (v: number): number => Math.min(o.x.max, Math.max(o.x.min, v));
  const clampY = (v: number): number => Math.min(o.y.max, Math.max(o.y.min, v));
  const parts = [open(f.width, f.height, o.title, 'line-chart'), axes(f, o.x, o.y, o.title, o.drawTitle ?? true)];
  o.series.forEach((s, i) => {
    if (s.points.length > 1) {
      const d = s.points.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${n(f.sx(clampX(x)))},${n(f.sy(clampY(y)))}`).join('');
      parts.push(
        `<path class="series" d="${d}" fill="none" stroke="${escapeXml(s.color)}" stroke-width="2"><title>${escapeXml(s.name)}</title></path>`,
      );
    }
    // A line needs two points; few points (a short run's timeline) are easier to read as dots too.
    if (s.points.length > 0 && s.points.length <= 30) {
      for (const [x, y] of s.points) {
        parts.push(
          `<circle class="series-point" cx="${n(f.sx(clampX(x)))}" cy="${n(f.sy(clampY(y)))}" r="3" fill="${escapeXml(s.color)}"/>`,
        );
      }
    }
    if (o.series.length > 1 || s.name !== '') {
      // Stacked down the plot's top-left corner: a narrow chart has no room for them side by side.
      const lx = f.margin.left + 12;
      const ly = f.margin.top + 6 + i * 15;
      parts.push(`<rect x="${lx}" y="${ly}" width="12" height="3" fill="${escapeXml(s.color)}"/>`);
      parts.push(`<text class="legend" x="${lx + 16}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
    }
  });
  parts.push('</svg>');
  return parts.join('');
}

/** A bar chart (a histogram): each bar spans [from, to) on x. */
export function barChart(o: BarChartOptions): string {
  const f = frame(o.x, o.y, o.width ?? 720, o.height ?? 240, o.margin);
  const color = escapeXml(o.color ?? '#3b6ea8');
  const parts = [open(f.width, f.height, o.title, 'bar-chart'), axes(f, o.x, o.y, o.title, o.drawTitle ?? true)];
  const base = f.sy(o.y.min);
  const bars = o.bars.filter((b) => b.value > 0);
  if (bars.length > 0) {
    // One path for all bars keeps the file small when there are many.
    const d = bars
      .map((b) => {
        const x0 = f.sx(b.from);
        const x1 = Math.max(f.sx(b.to) - 1, x0 + 1);
        const y = f.sy(Math.min(b.value, o.y.max));
        return `M${n(x0)},${n(base)}V${n(y)}H${n(x1)}V${n(base)}Z`;
      })
      .join('');
    parts.push(`<path class="bars" d="${d}" fill="${color}"/>`);
  }
  parts.push('</svg>');
  return parts.join('');
}
