/**
 * Writing a finished run's report when the requested place has gone bad since the run started
 * (disk full, directory removed or replaced): a night's measurements are worth more than the
 * path they were meant for, so the report goes to the working directory, else the system temp
 * directory, and the caller says where.
 */
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { Report } from '../run/report.js';
import { writeReport } from './write.js';

/** Where the report ended up. */
export interface ReportWriteOutcome {
  /** The file written, or null when no place could take it. */
  path: string | null;
  /** Why the requested path failed; null when it was written there. */
  failure: string | null;
  /** Every place tried after the requested one, with why it failed (for the error line). */
  fallbackFailures: string[];
}

/** Writes `report` to `file`, or to a fallback directory when that fails; never throws for I/O. */
export function writeReportWithFallback(file: string, report: Report, dirs: readonly string[] = fallbackDirs()): ReportWriteOutcome {
  try {
    writeReport(file, report);
    return { path: file, failure: null, fallbackFailures: [] };
  } catch (err) {
    const failure = describeIoError(err);
    const fallbackFailures: string[] = [];
    const original = safeResolve(file);
    // The soak files stay where they were written; name them absolutely so the report still finds them.
    const moved = withAbsoluteFiles(report, dirname(original));
    for (const dir of dirs) {
      // A fallback goes into a directory that exists: the working directory may have been removed
      // (Node still reports its old path), and recreating it would hide the report where nobody looks.
      if (!isDirectory(dir)) {
        fallbackFailures.push(`${dir}: no such directory`);
        continue;
      }
      const candidate = freeName(dir, basename(file) || 'wsload-report.json');
      if (candidate === original) continue;
      try {
        writeReport(candidate, moved);
        return { path: candidate, failure, fallbackFailures };
      } catch (e) {
        fallbackFailures.push(`${candidate}: ${describeIoError(e)}`);
      }
    }
    return { path: null, failure, fallbackFailures };
  }
}

/** The working directory (when it still exists) and the system temp directory. */
export function fallbackDirs(): string[] {
  const dirs: string[] = [];
  try {
    dirs.push(process.cwd());
  } catch {
    // The working directory was removed during the run.
  }
  dirs.push(tmpdir());
  return dirs;
}

/** "ENOSPC: no space left on device, open '…'" → the message without a stack. */
export function describeIoError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** dir/name, or dir/<stem>-1.json … when a file of that name is already there. */
function freeName(dir: string, name: string): string {
  const first = resolve(dir, name);
  if (!existsSync(first)) return first;
  const stem = name.replace(/\.json$/i, '');
  for (let i = 1; ; i++) {
    const next = resolve(dir, `${stem}-${i}.json`);
    if (!existsSync(next)) return next;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** resolve() needs the working directory for a relative path, and it may have been removed. */
function safeResolve(path: string): string {
  try {
    return resolve(path);
  } catch {
    return path;
  }
}

function withAbsoluteFiles(report: Report, reportDir: string): Report {
  const abs = (f: string | null): string | null => (f === null ? null : safeResolve(isAbsolute(f) ? f : join(reportDir, f)));
  return { ...report, files: { ...report.files, timeline: abs(report.files.timeline), hlog: abs(report.files.hlog) } };
}
