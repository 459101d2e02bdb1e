/**
 * File-system faults a run meets while it writes, and what the tests check after them. Tests run as
 * root, so permission bits would not stop a write: the faults here bind root too (a directory
 * replaced by a file, a link to /dev/full). Also the wait for a run's hold read off its timeline
 * file, which the signal tests share.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { expect } from 'vitest';
import type { CliResult } from './cli.js';
import { until } from './wait.js';

/** Whether the timeline file (`--out`'s .ndjson) has a line with `sockets` open: the run holds them all. */
export function timelineHolds(timeline: string, sockets: number): boolean {
  try {
    return readFileSync(timeline, 'utf8')
      .split('\n')
      .filter(Boolean)
      .some((l) => (JSON.parse(l) as { open: number }).open === sockets);
  } catch {
    // not there yet, or a line half-written
    return false;
  }
}

/** Waits until the run is in its hold (see timelineHolds); false after limitMs. */
export function untilHolding(timeline: string, sockets: number, limitMs = 30_000): Promise<boolean> {
  return until(() => timelineHolds(timeline, sockets), limitMs, 50);
}

/** Every file under root whose name ends in .tmp. */
export function strayTmp(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.tmp'));
}

/** The one stderr line saying where the report went instead, and the path it names. */
export function fallbackFrom(stderr: string): string {
  const m = /^wsload: could not write the report to .+ \(.+\); wrote it to (.+) instead$/m.exec(stderr);
  expect(m, stderr).not.toBeNull();
  return m![1];
}

/** The run ended with `code` by its own verdict: it said "wsload: ok", and no internal error or stack trace. */
export function expectRanThrough(r: CliResult, code: number): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr).toMatch(/^wsload: ok$/m);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
}

/** Soak-file writes that failed gave one warning in all, naming ENOSPC. */
export function expectOneSoakWarning(stderr: string): void {
  const warnings = stderr.split('\n').filter((l) => /^wsload: warning: could not write .*\.(ndjson|hlog)/.test(l));
  expect(warnings, stderr).toHaveLength(1);
  expect(warnings[0]).toMatch(/ENOSPC/);
}

/**
 * A file at `path` whose writes land on /dev/full, so each fails with a real ENOSPC from the
 * kernel: no mount needed, so these cases run on every machine (a container that may not mount a
 * tmpfs too). A symlink is followed by open(), and removed (not its target) by unlink().
 */
export function onDevFull(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync('/dev/full', path);
}

/**
 * The temporary file wsload writes a report or HTML page to before renaming it into place
 * (src/report/write.ts: `<file>.<pid>.tmp`): made a link to /dev/full right after the process
 * starts, long before it writes anything, so that write fails with ENOSPC as on a full disk.
 */
export function tmpOnDevFull(file: string, pid: number): void {
  expect(pid).toBeGreaterThan(0);
  onDevFull(`${file}.${pid}.tmp`);
}
