/**
 * Whether two reports are the same run, so `merge` can refuse to add a run to itself (`merge a.json
 * a.json`, or a copy of it) instead of doubling every counter and calling the sum exact. A run's
 * tag (`publish.runTag`, in every value it published) identifies it; a report without one (no
 * publishing, a template without {value}, an older report) is identified by when it started and
 * ended and on which host: to the millisecond, two runs never share all three.
 */
import { UsageError } from '../errors.js';
import type { Report } from '../run/report.js';

/** Why `a` and `b` are the same run ("run tag k3x9a2bq"), or null when they are two runs. */
export function sameRun(a: Report, b: Report): string | null {
  const tagA = a.publish.runTag ?? null;
  const tagB = b.publish.runTag ?? null;
  if (tagA !== null || tagB !== null) return tagA === tagB ? `run tag ${tagA}` : null;
  if (a.startedAt === b.startedAt && a.endedAt === b.endedAt && a.environment.host === b.environment.host) {
    return `started ${a.startedAt} and ended ${a.endedAt} on ${a.environment.host}`;
  }
  return null;
}

/**
 * Throws a one-line UsageError naming the first report that repeats an earlier one; `names` label
 * them in the message (file names for the CLI, "reports[i]" for the library).
 */
export function checkDistinctRuns(reports: readonly Report[], names: readonly string[] = reports.map((_, i) => `reports[${i}]`)): void {
  for (let j = 1; j < reports.length; j++) {
    for (let i = 0; i < j; i++) {
      const why = sameRun(reports[i], reports[j]);
      if (why !== null) {
        throw new UsageError(
          `merge: ${names[j]} is the same run as ${names[i]} (${why}); merging a run with itself would count every socket and delivery twice`,
        );
      }
    }
  }
}
