/**
 * Scenarios whose keys are each valid but that cannot measure what they ask for, refused at
 * validation instead of run: a publish header that frames the HTTP request itself (wsload's
 * request would then desync the keep-alive stream and the failures read as the target's), a
 * topic with no socket (its publishes would expect nothing), a hold of 0 s with publishing (no
 * publish is ever due, and the run would say "ok").
 */
import type { Issue } from '../errors.js';
import { parseDuration } from '../duration.js';
import { splitByShares } from './normalize.js';
import { formatPath } from './issues.js';
import type { PartialScenario } from './schema.js';

/** Headers that frame the request or pick the connection; lower case. Why each is refused. */
const FRAMING_HEADERS: Readonly<Record<string, string>> = {
  'content-length':
    'wsload sets it from the body it sends; a written value would cut or stall the body and desync the keep-alive connection',
  'transfer-encoding':
    'wsload frames the body itself; a written encoding would make the server read the stream differently from how it was sent',
  connection: "wsload keeps the connection alive and reuses it; closing or upgrading it is not the publish API's business",
  upgrade: 'a publish is a plain HTTP request; an upgrade would take the connection away from it',
  host: 'it comes from publish.url (use --resolve HOST:IP to send it to another address)',
};

/** Framing headers in publish.headers, each refused at its own path. */
export function framingHeaderIssues(w: PartialScenario): Issue[] {
  const headers = w.publish?.headers;
  if (!headers) return [];
  return Object.keys(headers)
    .filter((name) => FRAMING_HEADERS[name.toLowerCase()] !== undefined)
    .map((name) => ({
      path: formatPath(['publish', 'headers', name]),
      message: `not allowed: ${FRAMING_HEADERS[name.toLowerCase()]}; remove it`,
    }));
}

/** A listed topic that gets no socket: a count of 0, or a share of the connections that rounds to 0. */
export function emptyTopicIssues(w: PartialScenario): Issue[] {
  const topics = w.topics;
  const connections = w.connections;
  if (!Array.isArray(topics) || connections === undefined) return [];
  const issues: Issue[] = [];
  if (topics.every((t) => t.count !== undefined && t.share === undefined)) {
    topics.forEach((t, i) => {
      if (t.count === 0)
        issues.push({
          path: `topics[${i}].count`,
          message: `topic "${t.name}" has no socket, so its publishes would expect no delivery; expected a count ≥ 1 (or leave the topic out)`,
        });
    });
  } else if (topics.every((t) => t.share !== undefined && t.count === undefined)) {
    const sum = topics.reduce((s, t) => s + (t.share ?? 0), 0);
    // Shares that do not sum to 1 are an issue of their own (the rules of `topics`).
    if (Math.abs(sum - 1) > 1e-6) return [];
    const counts = splitByShares(
      connections,
      topics.map((t) => t.share ?? 0),
    );
    topics.forEach((t, i) => {
      if (counts[i] === 0) {
        issues.push({
          path: `topics[${i}].share`,
          message: `topic "${t.name}" gets 0 of ${connections} sockets (a share of ${t.share} rounds to 0), so its publishes would expect no delivery; expected a share of at least ${(1 / connections).toPrecision(2)}, counts, or more connections`,
        });
      }
    });
  }
  return issues;
}

/** A hold of 0 s while publishing: nothing is ever due, and the run would pass on no evidence. */
export function zeroHoldIssues(w: PartialScenario): Issue[] {
  // With stages the run lasts their sum, refused there when it is 0.
  if (w.stages !== undefined || w.publish === undefined || w.publish === null || w.duration === undefined) return [];
  if (parseDuration(w.duration) !== 0) return [];
  return [
    {
      path: 'duration',
      message:
        'a hold of 0s leaves no time to publish (publish is set); expected a duration greater than 0, or "publish": null to only open the sockets',
    },
  ];
}
