/**
 * The rules of cohorts and topics: unique names, every item a share (summing to 1) or every item a
 * count (summing to connections), and the topics that publish.topics and per-topic thresholds name.
 */
import type { Issue } from '../errors.js';
import { thresholdPath } from '../report/thresholds.js';
import { topicOfMetric } from '../metrics/names.js';
import { nearest } from '../text/nearest.js';
import type { PartialScenario } from './schema.js';

/** Tolerance on the sum of cohort shares (they are written as decimals). */
const SHARE_EPSILON = 1e-6;

export function cohortIssues(w: PartialScenario): Issue[] {
  return shareOrCountIssues('cohorts', 'cohort', w.cohorts, w.connections);
}

/** Names unique, and every item a share (summing to 1) or every item a count (summing to connections): cohorts and topics alike. */
function shareOrCountIssues(
  key: string,
  word: string,
  items: readonly { name: string; share?: number; count?: number }[] | undefined,
  connections: number | undefined,
): Issue[] {
  const parts = items;
  if (!parts || connections === undefined) return [];
  const issues: Issue[] = [];
  const seen = new Map<string, number>();
  parts.forEach((c, i) => {
    const first = seen.get(c.name);
    if (first !== undefined)
      issues.push({
        path: `${key}[${i}].name`,
        message: `duplicate ${word} name "${c.name}" (also ${key}[${first}]); expected unique names`,
      });
    else seen.set(c.name, i);
    if ((c.share === undefined) === (c.count === undefined)) {
      issues.push({
        path: `${key}[${i}]`,
        message: `expected exactly one of "share" or "count", got ${c.share === undefined ? 'neither' : 'both'}`,
      });
    }
  });
  if (issues.length > 0) return issues;
  const withShare = parts.filter((c) => c.share !== undefined).length;
  if (withShare !== 0 && withShare !== parts.length) {
    return [
      {
        path: key,
        message: `expected every ${word} to have a share or every ${word} to have a count, got ${withShare} with a share and ${parts.length - withShare} with a count`,
      },
    ];
  }
  if (withShare > 0) {
    const sum = parts.reduce((s, c) => s + (c.share ?? 0), 0);
    if (Math.abs(sum - 1) > SHARE_EPSILON) issues.push({ path: key, message: `expected shares summing to 1, got ${+sum.toFixed(6)}` });
  } else {
    const sum = parts.reduce((s, c) => s + (c.count ?? 0), 0);
    if (sum !== connections) issues.push({ path: key, message: `expected counts summing to connections (${connections}), got ${sum}` });
  }
  return issues;
}

/** Topics: the list form like cohorts; a generated count no larger than connections; publish.topics naming known topics. */
export function topicIssues(w: PartialScenario): Issue[] {
  const t = w.topics;
  const issues: Issue[] = [];
  const publishTopics = w.publish?.topics;
  const topicThresholds = Object.keys(w.thresholds ?? {}).flatMap((metric) => {
    const topic = topicOfMetric(metric);
    return topic === null ? [] : [{ metric, topic }];
  });
  if (t === undefined) {
    if (publishTopics !== undefined)
      issues.push({
        path: 'publish.topics',
        message: 'names topics but the scenario has none; expected a top-level "topics" key (or no publish.topics)',
      });
    for (const { metric } of topicThresholds)
      issues.push({
        path: thresholdPath(metric),
        message: 'a per-topic metric but the scenario has no topics; expected a top-level "topics" key',
      });
    return issues;
  }
  let names: string[];
  if (Array.isArray(t)) {
    issues.push(...shareOrCountIssues('topics', 'topic', t, w.connections));
    names = t.map((x) => x.name);
  } else {
    // A topic without sockets would expect nothing of its publishes: most likely a typo in count.
    if (w.connections !== undefined && t.count > w.connections)
      issues.push({
        path: 'topics.count',
        message: `expected at most one topic per connection (${w.connections}), got ${t.count}: topics beyond that would have no socket`,
      });
    names = Array.from({ length: t.count }, (_, n) => t.name.replaceAll('{n}', String(n)));
  }
  for (const { metric, topic } of topicThresholds) {
    if (names.includes(topic)) continue;
    const near = nearest(topic, names);
    issues.push({
      path: thresholdPath(metric),
      message: `unknown topic "${topic}"${near ? ` (did you mean "${near}"?)` : ''}; expected fanout.byTopic.<a name in topics>.<metric>`,
    });
  }
  publishTopics?.forEach((name, i) => {
    if (names.includes(name)) return;
    const near = nearest(name, names);
    issues.push({
      path: `publish.topics[${i}]`,
      message: `unknown topic "${name}"${near ? ` (did you mean "${near}"?)` : ''}; expected one of the names in topics`,
    });
  });
  return issues;
}
