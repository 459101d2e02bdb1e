/** Writing report files: atomically, so a reader never sees half a report. */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Report } from '../run/report.js';

/** reports/<name>-<UTC timestamp>.json, e.g. reports/fanout-20261126T014310Z.json. */
export function defaultReportPath(name: string, startedAt: Date, dir = 'reports'): string {
  const stamp = startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return join(dir, `${name}-${stamp}.json`);
}

/** The timeline and histogram-log files that sit beside a report. */
export function sidecarPaths(reportFile: string): { timeline: string; hlog: string } {
  const base = reportFile.replace(/\.json$/i, '');
  return { timeline: `${base}.ndjson`, hlog: `${base}.hlog` };
}

/** Writes JSON to a temp file in the same directory and renames it into place; a failed write leaves no temp file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeTextAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Writes text to a temp file in the same directory and renames it into place; a failed write leaves no temp file. */
export function writeTextAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (err) {
    // A half-written temp file on a full disk is worse than none: it holds the space and misleads.
    try {
      rmSync(tmp, { force: true });
    } catch {
      // The directory itself is gone or unreadable: there is no temp file left in it either.
    }
    throw err;
  }
}

/** Writes a report atomically. */
export function writeReport(file: string, report: Report): void {
  writeJsonAtomic(file, report);
}
