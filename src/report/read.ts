/**
 * Reads finished reports and the timeline beside them. Every failure is a one-line
 * ReportFormatError naming the file and, for a shape mismatch, the JSON path.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { z } from 'zod';
import { ReportFormatError } from '../errors.js';
import { decodeHistogram, percentiles, type Histogram } from '../metrics/histogram.js';
import { locateHistogram, percentileCapMs } from '../run/registry.js';
import { LATER_PERCENTILES } from '../run/percentiles.js';
import { reportSchema, timelineLineSchema } from './report-schema.js';
import { REPORT_FORMAT_VERSION, type Report, type TimelineLine } from '../run/report.js';

/** "fanout.latencyMs.p99", "client.workers[2].crashed"; "(root)" for the document itself. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const key = String(seg);
      out += /^[A-Za-z_$][\w$]*$/.test(key) ? `${out === '' ? '' : '.'}${key}` : `[${JSON.stringify(key)}]`;
    }
  }
  return out === '' ? '(root)' : out;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

function issueText(issue: z.core.$ZodIssue, root: unknown): string {
  const got = describeValue(valueAt(root, issue.path));
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}, got ${got}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
    case 'too_small':
      return `expected a number >= ${String(issue.minimum)}, got ${got}`;
    default:
      return `${issue.message}, got ${got}`;
  }
}

/** "path: problem" for one zod issue; an unknown key is located at the key itself. */
function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  if (issue.code === 'unrecognized_keys') {
    return `${jsonPath([...issue.path, issue.keys[0]])}: unknown key${issue.keys.length > 1 ? ` (and ${issue.keys.length - 1} more)` : ''}`;
  }
  return `${jsonPath(issue.path)}: ${issueText(issue, root)}`;
}

function formatError(file: string, message: string): ReportFormatError {
  return new ReportFormatError(`${file}: ${message}`);
}

/** Validates a parsed JSON value as a Report; `file` only names the source in errors. */
export function parseReport(value: unknown, file: string): Report {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw formatError(file, `(root): expected a wsload report object, got ${describeValue(value)}`);
  }
  const obj = value as Record<string, unknown>;
  if (obj.tool !== 'wsload') {
    if (obj.tool === undefined && SCENARIO_ONLY_KEYS.some((k) => k in obj)) {
      throw formatError(
        file,
        `is a scenario, not a report; run it with \`wsload run ${file}\` and pass the report it writes (reports/<name>-<UTC time>.json)`,
      );
    }
    throw formatError(file, `tool: expected "wsload", got ${describeValue(obj.tool)} (not a wsload report)`);
  }
  if (obj.formatVersion !== REPORT_FORMAT_VERSION) {
    throw formatError(
      file,
      `formatVersion: this wsload reads report format ${REPORT_FORMAT_VERSION}, got ${describeValue(obj.formatVersion)}; use the wsload version that wrote it`,
    );
  }
  const result = reportSchema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? 's' : ''})` : '';
    throw formatError(file, `${describeIssue(issues[0], value)}${more}`);
  }
  return withLaterPercentiles(result.data, file);
}

/**
 * A report of a wsload version that kept no p75 and p95 gets them from the histograms it carries,
 * computed as a run computes them (capped where the run caps them): every table, page and
 * comparison then shows an older run like a new one. A set with no histogram behind it stays as read.
 */
function withLaterPercentiles(report: Report, file: string): Report {
  for (const key of Object.keys(report.histograms)) {
    const at = locateHistogram(key);
    const set = at?.get(report);
    if (!at || !set || LATER_PERCENTILES.every((k) => set[k] !== undefined)) continue;
    let h: Histogram | null;
    try {
      h = reportHistogram(report, key);
    } catch (err) {
      throw formatError(file, (err as Error).message);
    }
    if (!h) continue;
    const computed = percentiles(h, percentileCapMs(key, report.scenario.publish?.deadlineMs));
    for (const k of LATER_PERCENTILES) set[k] ??= set.count === 0 ? 0 : (computed[k] ?? 0);
  }
  return report;
}

/** Reads and validates a report file. Throws ReportFormatError naming the file and JSON path. */
export async function readReport(file: string): Promise<Report> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a report file' : (err as Error).message;
    throw formatError(file, `cannot read report: ${why}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw formatError(file, wrongKindHint(file, text) ?? `not valid JSON (${(err as Error).message})`);
  }
  return parseReport(value, file);
}

/**
 * What a file that is not a report JSON is, when it is one of the files a run writes beside its
 * report (the .ndjson timeline, the .hlog histogram log), and which file to pass instead.
 */
function wrongKindHint(file: string, text: string): string | null {
  const report = `${basename(file).replace(/\.(ndjson|hlog)$/i, '')}.json`;
  if (/\.ndjson$/i.test(file) || looksLikeJsonLines(text)) {
    return `is a timeline (.ndjson: one JSON line per interval), not a report; pass the report .json beside it instead (${join(dirname(file), report)}): wsload reads the timeline through it`;
  }
  if (/\.hlog$/i.test(file) || text.startsWith('#[')) {
    return `is an HdrHistogram interval log (.hlog), not a report; pass the report .json beside it instead (${join(dirname(file), report)}), or read the log with HdrHistogram's tools`;
  }
  return null;
}

/** Two or more lines that each parse as a JSON object: JSON lines, not one JSON document. */
function looksLikeJsonLines(text: string): boolean {
  const lines = text.split('\n', 3).filter((l) => l.trim() !== '');
  if (lines.length < 2) return false;
  try {
    return lines.every((l) => typeof JSON.parse(l) === 'object');
  } catch {
    return false;
  }
}

/** Top-level keys only a scenario file has, none of which a report has at its top level. */
const SCENARIO_ONLY_KEYS = ['connections', 'connectRate', 'duration', 'thresholds', 'cohorts', 'stages'];

/**
 * Path of the report's timeline: the file of that name in the report's own directory; null when
 * none was written. Only the name counts: a report is a file anyone may hand over, and its
 * `files.timeline` must not make wsload open another file of this machine (`/dev/zero`,
 * `../../secret`). wsload writes a bare name beside the report; a report written to a fallback
 * place names its soak files where they were written, and they are found once moved beside it.
 */
export function timelinePath(reportFile: string, report: Report): string | null {
  return report.files.timeline === null ? null : besideReport(reportFile, report.files.timeline);
}

/** `named` taken as a file beside `reportFile`, whatever directory it says. */
function besideReport(reportFile: string, named: string): string {
  return join(dirname(resolve(reportFile)), basename(named));
}

/**
 * Reads the .ndjson timeline beside a report. Returns null when the report names none or the file
 * is gone (a report copied without it still renders); a line that is not a TimelineLine throws,
 * and so does a name beside the report that is not a regular file (a device, a pipe, a directory).
 */
export async function readTimeline(reportFile: string, report: Report): Promise<TimelineLine[] | null> {
  const file = timelinePath(reportFile, report);
  if (file === null) return null;
  let text: string;
  try {
    if (!(await stat(file)).isFile()) throw formatError(file, 'cannot read timeline: not a regular file');
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof ReportFormatError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw formatError(file, `cannot read timeline: ${(err as Error).message}`);
  }
  const lines: TimelineLine[] = [];
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i].trim();
    if (row === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(row);
    } catch {
      // A run killed mid-write leaves a truncated last line; everything before it is still good.
      if (rows.slice(i + 1).every((r) => r.trim() === '')) break;
      throw formatError(file, `line ${i + 1}: not valid JSON`);
    }
    const result = timelineLineSchema.safeParse(value);
    if (!result.success) {
      throw formatError(file, `line ${i + 1}: ${describeIssue(result.error.issues[0], value)}`);
    }
    lines.push(result.data);
  }
  return lines;
}

/**
 * Decodes histogram `name` of a report, or returns null when the report holds none by that name.
 * A value that does not decode is a ReportFormatError naming its JSON path.
 */
export function reportHistogram(report: Report, name: string): Histogram | null {
  const encoded = report.histograms[name];
  if (encoded === undefined) return null;
  try {
    return decodeHistogram(encoded);
  } catch (err) {
    throw new ReportFormatError(`histograms[${JSON.stringify(name)}]: not a valid encoded HdrHistogram (${(err as Error).message})`);
  }
}
