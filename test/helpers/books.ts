/**
 * The books a user reads after a run: every delivery wsload said was owed is either delivered or
 * lost, overall and per topic (and per shard where a report carries per-shard books). One check,
 * used by every test that exercises a fault, so a fault that breaks the books fails the test that
 * caused it and not some later reader of the report.
 *
 * "Exact" also means every publish's books were closed by evaluation: a report with
 * `fanout.unevaluated` (publishes that left a worker's ring before it evaluated them) still adds
 * up, since their receipts are booked, but its lost leaves out the sockets that never got them, so
 * it is not exact and these checks fail on it. No test here stalls a worker that long; one that
 * means to would check the books with expectScope-like arithmetic and say what it leaves out.
 */
import { expect } from 'vitest';
import type { Report } from '../../dist/run/report.js';

/** Books of one scope: expected = delivered + lost, late ⊆ lost, no negative count. */
function expectScope(scope: string, b: { expected: number; delivered: number; lost: number; late?: number }): void {
  const what = `${scope}: expected ${b.expected}, delivered ${b.delivered}, lost ${b.lost}`;
  expect(b.delivered, what).toBeGreaterThanOrEqual(0);
  expect(b.lost, what).toBeGreaterThanOrEqual(0);
  expect(b.delivered + b.lost, `${what}: expected must equal delivered + lost`).toBe(b.expected);
  if (b.late !== undefined) expect(b.late, `${what}, late ${b.late}: late deliveries are part of lost`).toBeLessThanOrEqual(b.lost);
}

/** expected = delivered + lost exactly, overall, per topic (their sums too) and per shard where present. */
export function expectExactBooks(report: Report): void {
  const f = report.fanout;
  expectScope('fanout', f);
  expect(f.unevaluated ?? 0, 'fanout.unevaluated: publishes whose books a worker could not close (their lost is not booked)').toBe(0);
  const topics = Object.entries(f.byTopic ?? {});
  for (const [name, t] of topics) expectScope(`fanout.byTopic.${name}`, t);
  if (topics.length > 0) {
    const sum = (k: 'expected' | 'delivered' | 'lost'): number => topics.reduce((s, [, t]) => s + t[k], 0);
    expect({ expected: sum('expected'), delivered: sum('delivered'), lost: sum('lost') }, 'per-topic books add up to the run').toEqual({
      expected: f.expected,
      delivered: f.delivered,
      lost: f.lost,
    });
  }
  for (const shard of report.shards ?? []) {
    const books = (shard as { fanout?: { expected: number; delivered: number; lost: number } }).fanout;
    if (books !== undefined) expectScope(`shards[${shard.index}] (${shard.name})`, books);
  }
}

/**
 * The one "every publish was delivered" check: exact books, something was owed, and every owed
 * copy arrived once: none lost, misrouted or duplicated, no publish request failed. `perPublish`
 * (the sockets each publish owes a copy to; without topics, the run's sockets) also pins expected
 * to published × perPublish (plus what arrived of publishes an interrupt aborted), so a run that
 * owed too little cannot pass. Tests whose subject is
 * duplicates, failed publishes or sockets down during a publish use expectExactBooks and say the rest.
 */
export function expectDeliveredExactly(report: Report, perPublish?: number): void {
  expectExactBooks(report);
  const f = report.fanout;
  const what = `fanout ${JSON.stringify({ published: f.published, expected: f.expected, delivered: f.delivered, lost: f.lost, duplicated: f.duplicated, misrouted: f.misrouted })}, publish.failed ${report.publish.failed}`;
  expect(f.expected, `${what}: something was owed`).toBeGreaterThan(0);
  expect(f.lost, `${what}: lost`).toBe(0);
  expect(f.misrouted ?? 0, `${what}: misrouted`).toBe(0);
  expect(f.duplicated, `${what}: duplicated`).toBe(0);
  expect(f.delivered, `${what}: delivered`).toBe(f.expected);
  expect(report.publish.failed, `${what}: publish.failed`).toBe(0);
  if (perPublish === undefined) return;
  // A publish cut by the run's own stop (an interrupt) counts in publish.aborted, not published,
  // yet the target may have pushed it: it owes exactly what arrived of it, 0 to perPublish copies.
  const aborted = report.publish.aborted ?? 0;
  if (aborted === 0) expect(f.expected, `${what}: expected = published × ${perPublish}`).toBe(f.published * perPublish);
  else {
    expect(f.expected, `${what}, aborted ${aborted}: expected ≥ published × ${perPublish}`).toBeGreaterThanOrEqual(
      f.published * perPublish,
    );
    expect(f.expected, `${what}, aborted ${aborted}: expected ≤ (published + aborted) × ${perPublish}`).toBeLessThanOrEqual(
      (f.published + aborted) * perPublish,
    );
  }
}
