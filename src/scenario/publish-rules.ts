/**
 * The rules of publish: the request or publisher socket (keys of the other way of publishing, a
 * body a method cannot carry, the seq carried somewhere), placeholders a publish cannot fill, and
 * thresholds on the metrics of the other publish mode (wsload's publishes or a server stream).
 */
import type { Issue } from '../errors.js';
import { placeholderNames } from '../run/placeholders.js';
import { thresholdPath } from '../report/thresholds.js';
import { lookupMetric, topicOfMetric } from '../metrics/names.js';
import type { PartialScenario } from './schema.js';
import { formatPath } from './issues.js';

/**
 * "{topic}" in a publish template needs topics (it is the publish's topic); the publisher socket
 * itself (URL, headers, open messages) is one for every topic, so it has none.
 */
export function publishTopicPlaceholderIssues(w: PartialScenario): Issue[] {
  const p = w.publish;
  if (!p) return [];
  const socket = p.socket;
  const socketIssues: Issue[] = [];
  if (socket) {
    const socketTexts: [string, string][] = [['publish.socket.url', socket.url]];
    for (const [name, value] of Object.entries(socket.headers))
      socketTexts.push([formatPath(['publish', 'socket', 'headers', name]), value]);
    socket.open.forEach((step, i) =>
      socketTexts.push([`publish.socket.open[${i}].send`, typeof step.send === 'string' ? step.send : JSON.stringify(step.send)]),
    );
    for (const [path, text] of socketTexts) {
      if (text.includes('{topic}'))
        socketIssues.push({
          path,
          message:
            '"{topic}" is not available here: one publisher socket serves every topic; expected "{topic}" in publish.body (the message of each publish)',
        });
    }
  }
  if (w.topics !== undefined) return socketIssues;
  const texts: [string, string][] = [];
  if (typeof p.url === 'string') texts.push(['publish.url', p.url]);
  for (const [name, value] of Object.entries(p.headers)) texts.push([formatPath(['publish', 'headers', name]), value]);
  if (p.body !== undefined) texts.push(['publish.body', typeof p.body === 'string' ? p.body : JSON.stringify(p.body)]);
  return [
    ...texts
      .filter(([, text]) => text.includes('{topic}'))
      .map(([path]) => ({
        path,
        message:
          '"{topic}" is not available: this scenario has no topics; expected a top-level "topics" key, or "{id}", "{seq}" and "{value}" only',
      })),
    ...socketIssues,
  ];
}

/**
 * "{conn}", "{cohort}" and "{identity.FIELD}" belong to one subscriber socket. A publish (its URL,
 * headers, body) and the publisher socket are one for every socket: there they have no value and
 * would go out as written (a literal "{identity.token}" the service refuses).
 */
export function publishSocketPlaceholderIssues(w: PartialScenario): Issue[] {
  const p = w.publish;
  if (!p) return [];
  const texts: [string, string][] = [];
  if (typeof p.url === 'string') texts.push(['publish.url', p.url]);
  for (const [name, value] of Object.entries(p.headers)) texts.push([formatPath(['publish', 'headers', name]), value]);
  const socket = p.socket;
  if (socket) {
    texts.push(['publish.socket.url', socket.url]);
    for (const [name, value] of Object.entries(socket.headers)) texts.push([formatPath(['publish', 'socket', 'headers', name]), value]);
    socket.open.forEach((step, i) =>
      texts.push([`publish.socket.open[${i}].send`, typeof step.send === 'string' ? step.send : JSON.stringify(step.send)]),
    );
  }
  if (p.body !== undefined) texts.push(['publish.body', typeof p.body === 'string' ? p.body : JSON.stringify(p.body)]);
  const issues: Issue[] = [];
  for (const [path, text] of texts) {
    for (const name of new Set(placeholderNames(text))) {
      if (name === 'topic') continue;
      issues.push({
        path,
        message: `"{${name}}" is a subscriber socket's placeholder (target.url, target.headers, target.open), not available in a publish: one publisher serves every socket; expected a fixed value`,
      });
    }
  }
  return issues;
}

/**
 * A server stream has no publishes of wsload's to fan out, and a run publishing itself has no
 * stream: a threshold on the other mode's metrics would fail with no data, after the whole run.
 */
export function publishModeThresholdIssues(w: PartialScenario): Issue[] {
  // An invalid publish key is reported on its own; without it the mode is unknown.
  if (w.publish === undefined) return [];
  const stream = w.publish !== null && w.publish.source === 'server';
  const issues: Issue[] = [];
  for (const metric of Object.keys(w.thresholds ?? {})) {
    // Unknown metrics are reported by the thresholds' own rule.
    if (lookupMetric(metric) === undefined && topicOfMetric(metric) === null) continue;
    if (stream && (metric.startsWith('fanout.') || metric.startsWith('publish.'))) {
      issues.push({
        path: thresholdPath(metric),
        message:
          'measures publishes by wsload, but the server publishes (publish.source "server"): nothing would be measured; expected a stream.* metric (stream.staleness.p99, stream.missing, …)',
      });
    } else if (!stream && metric.startsWith('stream.')) {
      issues.push({
        path: thresholdPath(metric),
        message:
          'measures a server stream, but this scenario has none (publish.source "server"): nothing would be measured; expected fanout.* or publish.* metrics, or publish.source "server"',
      });
    }
  }
  return issues;
}
