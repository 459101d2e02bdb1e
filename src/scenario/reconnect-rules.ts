/**
 * The rules of reconnect (top level and per cohort, a cohort's own keys over the top level's):
 * backoff bounds in order and within what a Node timer can wait.
 */
import type { Issue } from '../errors.js';
import { formatDuration, parseDuration } from '../duration.js';
import type { PartialScenario } from './schema.js';

interface WrittenReconnect {
  policy?: string;
  min?: string;
  max?: string;
  jitter?: number;
}

/** Longest delay a Node timer holds (2^31 − 1 ms, 24d20h31m); a longer one fires after 1 ms. */
const NODE_TIMER_MAX_MS = 2 ** 31 - 1;

function reconnectIssues(path: string, r: WrittenReconnect): Issue[] {
  if (r.policy !== 'backoff' || r.min === undefined || r.max === undefined) return [];
  const min = parseDuration(r.min) ?? 0;
  const max = parseDuration(r.max) ?? 0;
  const issues: Issue[] = [];
  if (min <= 0) issues.push({ path: `${path}.min`, message: `expected a duration greater than 0 for the backoff policy, got "${r.min}"` });
  if (min > max) issues.push({ path: `${path}.max`, message: `expected at least reconnect min ("${r.min}"), got "${r.max}"` });
  // Jitter stretches the longest delay; past the timer limit every socket would reconnect at once.
  const jitter = r.jitter ?? 0;
  if (max * (1 + jitter) > NODE_TIMER_MAX_MS) {
    issues.push({
      path: `${path}.max`,
      message: `with jitter ${jitter} a delay of "${r.max}" can reach ${formatDuration(max * (1 + jitter))}, longer than a timer can wait (${formatDuration(NODE_TIMER_MAX_MS - (NODE_TIMER_MAX_MS % 1000))}); expected at most ${formatDuration(Math.floor(NODE_TIMER_MAX_MS / (1 + jitter) / 1000) * 1000)}`,
    });
  }
  return issues;
}

export function allReconnectIssues(w: PartialScenario): Issue[] {
  if (!w.reconnect) return [];
  const top = w.reconnect;
  const issues = reconnectIssues('reconnect', top);
  w.cohorts?.forEach((c, i) => {
    const own = c.reconnect;
    // A cohort that only changes jitter inherits the top-level bounds, already checked above.
    if (!own || (own.policy === undefined && own.min === undefined && own.max === undefined && own.jitter === undefined)) return;
    issues.push(...reconnectIssues(`cohorts[${i}].reconnect`, { ...top, ...stripUndefined(own) }));
  });
  return issues;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
