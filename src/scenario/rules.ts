/**
 * Rules across keys that a per-field schema cannot express: cohort shares and counts, reconnect
 * bounds, TLS file pairs and existence, thresholds against the metric registry, and the machine
 * limits (open files, ephemeral ports) that otherwise show up mid-run as failures users blame
 * on the server.
 */
import { protocolIssues, protocolTexts } from './protocol-rules.js';
import { isIP } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import type { Issue } from '../errors.js';
import type { MachineLimits } from '../machine-limits.js';
import { formatDuration, parseDuration } from '../duration.js';
import { isLocalAddress } from '../net/local-addresses.js';
import { fillHeader, fillPublishUrl } from '../run/publish-url.js';
import { parseThreshold, thresholdPath } from '../report/thresholds.js';
import { BAD_HEADER_VALUE, describeValue, MAX_DURATION_MS, scenarioFileSchema, type PartialScenario } from './schema.js';
import { formatPath } from './issues.js';
import { tlsFileIssues } from './tls-files.js';
import { readIdentities, type IdentityTable } from './identities-file.js';
import { envNames, envValue, fillEnv, hasEnvRef } from '../run/env-refs.js';
import { placeholderNames } from '../run/placeholders.js';
import { publishStageIssues } from './stage-rules.js';
import { emptyTopicIssues, framingHeaderIssues, zeroHoldIssues } from './edge-rules.js';
import { nearest } from '../text/nearest.js';
import { lookupMetric, topicOfMetric } from '../metrics/names.js';

export type { MachineLimits };

/** File descriptors kept for wsload itself (publisher sockets, report files, stdio, the embedded target's pipes). */
export const RESERVED_OPEN_FILES = 256;

/**
 * File descriptors each worker thread costs on top of its sockets. Measured on Linux (Node 20,
 * /proc/<pid>/fd during a run with 1 and 16 workers): 4 per worker — its own epoll fd, an eventfd
 * and the two ends of a pipe for its message port. Doubled for libuv's lazily opened handles.
 */
export const OPEN_FILES_PER_WORKER = 8;

/** Most worker threads a scenario may ask for (the schema enforces the same bound). */
const MAX_WORKERS = 64;

/** Tolerance on the sum of cohort shares (they are written as decimals). */
const SHARE_EPSILON = 1e-6;

/** Checks every threshold of a raw `thresholds` value (run even when other keys are broken). */
export function thresholdIssues(raw: unknown): Issue[] {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return [];
  const issues: Issue[] = [];
  for (const [metric, expression] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof expression !== 'string') continue; // the schema reports the type
    const parsed = parseThreshold(metric, expression);
    if ('error' in parsed) issues.push({ path: thresholdPath(metric), message: parsed.error });
  }
  return issues;
}

/** The keys of a scenario that are valid on their own: rules run on these even when others are broken. */
/** Parses each top-level key on its own, keeping the valid ones (with defaults filled). */
export function parseValidKeys(value: Record<string, unknown>): PartialScenario {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(scenarioFileSchema.shape)) {
    const r = schema.safeParse(value[key]);
    if (r.success) out[key] = r.data;
  }
  return out as PartialScenario;
}

function cohortIssues(w: PartialScenario): Issue[] {
  return shareOrCountIssues('cohorts', 'cohort', w.cohorts, w.connections);
}

/** Names unique, and every item a share (summing to 1) or every item a count (summing to connections): cohorts and topics alike. */
function shareOrCountIssues(key: string, word: string, items: readonly { name: string; share?: number; count?: number }[] | undefined, connections: number | undefined): Issue[] {
  const parts = items;
  if (!parts || connections === undefined) return [];
  const issues: Issue[] = [];
  const seen = new Map<string, number>();
  parts.forEach((c, i) => {
    const first = seen.get(c.name);
    if (first !== undefined) issues.push({ path: `${key}[${i}].name`, message: `duplicate ${word} name "${c.name}" (also ${key}[${first}]); expected unique names` });
    else seen.set(c.name, i);
    if ((c.share === undefined) === (c.count === undefined)) {
      issues.push({ path: `${key}[${i}]`, message: `expected exactly one of "share" or "count", got ${c.share === undefined ? 'neither' : 'both'}` });
    }
  });
  if (issues.length > 0) return issues;
  const withShare = parts.filter((c) => c.share !== undefined).length;
  if (withShare !== 0 && withShare !== parts.length) {
    return [{ path: key, message: `expected every ${word} to have a share or every ${word} to have a count, got ${withShare} with a share and ${parts.length - withShare} with a count` }];
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
function topicIssues(w: PartialScenario): Issue[] {
  const t = w.topics;
  const issues: Issue[] = [];
  const publishTopics = w.publish?.topics;
  const topicThresholds = Object.keys(w.thresholds ?? {}).flatMap((metric) => {
    const topic = topicOfMetric(metric);
    return topic === null ? [] : [{ metric, topic }];
  });
  if (t === undefined) {
    if (publishTopics !== undefined) issues.push({ path: 'publish.topics', message: 'names topics but the scenario has none; expected a top-level "topics" key (or no publish.topics)' });
    for (const { metric } of topicThresholds) issues.push({ path: thresholdPath(metric), message: 'a per-topic metric but the scenario has no topics; expected a top-level "topics" key' });
    return issues;
  }
  let names: string[];
  if (Array.isArray(t)) {
    issues.push(...shareOrCountIssues('topics', 'topic', t, w.connections));
    names = t.map((x) => x.name);
  } else {
    // A topic without sockets would expect nothing of its publishes: most likely a typo in count.
    if (w.connections !== undefined && t.count > w.connections) issues.push({ path: 'topics.count', message: `expected at most one topic per connection (${w.connections}), got ${t.count}: topics beyond that would have no socket` });
    names = Array.from({ length: t.count }, (_, n) => t.name.replaceAll('{n}', String(n)));
  }
  for (const { metric, topic } of topicThresholds) {
    if (names.includes(topic)) continue;
    const near = nearest(topic, names);
    issues.push({ path: thresholdPath(metric), message: `unknown topic "${topic}"${near ? ` (did you mean "${near}"?)` : ''}; expected fanout.byTopic.<a name in topics>.<metric>` });
  }
  publishTopics?.forEach((name, i) => {
    if (names.includes(name)) return;
    const near = nearest(name, names);
    issues.push({ path: `publish.topics[${i}]`, message: `unknown topic "${name}"${near ? ` (did you mean "${near}"?)` : ''}; expected one of the names in topics` });
  });
  return issues;
}

/**
 * "{topic}" in a publish template needs topics (it is the publish's topic); the publisher socket
 * itself (URL, headers, open messages) is one for every topic, so it has none.
 */
function publishTopicPlaceholderIssues(w: PartialScenario): Issue[] {
  const p = w.publish;
  if (!p) return [];
  const socket = p.socket;
  const socketIssues: Issue[] = [];
  if (socket) {
    const socketTexts: [string, string][] = [['publish.socket.url', socket.url]];
    for (const [name, value] of Object.entries(socket.headers)) socketTexts.push([formatPath(['publish', 'socket', 'headers', name]), value]);
    socket.open.forEach((step, i) => socketTexts.push([`publish.socket.open[${i}].send`, typeof step.send === 'string' ? step.send : JSON.stringify(step.send)]));
    for (const [path, text] of socketTexts) {
      if (text.includes('{topic}')) socketIssues.push({ path, message: '"{topic}" is not available here: one publisher socket serves every topic; expected "{topic}" in publish.body (the message of each publish)' });
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
      .map(([path]) => ({ path, message: '"{topic}" is not available: this scenario has no topics; expected a top-level "topics" key, or "{id}", "{seq}" and "{value}" only' })),
    ...socketIssues,
  ];
}

/**
 * "{conn}", "{cohort}" and "{identity.FIELD}" belong to one subscriber socket. A publish (its URL,
 * headers, body) and the publisher socket are one for every socket: there they have no value and
 * would go out as written (a literal "{identity.token}" the service refuses).
 */
function publishSocketPlaceholderIssues(w: PartialScenario): Issue[] {
  const p = w.publish;
  if (!p) return [];
  const texts: [string, string][] = [];
  if (typeof p.url === 'string') texts.push(['publish.url', p.url]);
  for (const [name, value] of Object.entries(p.headers)) texts.push([formatPath(['publish', 'headers', name]), value]);
  const socket = p.socket;
  if (socket) {
    texts.push(['publish.socket.url', socket.url]);
    for (const [name, value] of Object.entries(socket.headers)) texts.push([formatPath(['publish', 'socket', 'headers', name]), value]);
    socket.open.forEach((step, i) => texts.push([`publish.socket.open[${i}].send`, typeof step.send === 'string' ? step.send : JSON.stringify(step.send)]));
  }
  if (p.body !== undefined) texts.push(['publish.body', typeof p.body === 'string' ? p.body : JSON.stringify(p.body)]);
  const issues: Issue[] = [];
  for (const [path, text] of texts) {
    for (const name of new Set(placeholderNames(text))) {
      if (name === 'topic') continue;
      issues.push({ path, message: `"{${name}}" is a subscriber socket's placeholder (target.url, target.headers, target.open), not available in a publish: one publisher serves every socket; expected a fixed value` });
    }
  }
  return issues;
}

/**
 * A server stream has no publishes of wsload's to fan out, and a run publishing itself has no
 * stream: a threshold on the other mode's metrics would fail with no data, after the whole run.
 */
function publishModeThresholdIssues(w: PartialScenario): Issue[] {
  // An invalid publish key is reported on its own; without it the mode is unknown.
  if (w.publish === undefined) return [];
  const stream = w.publish !== null && w.publish.source === 'server';
  const issues: Issue[] = [];
  for (const metric of Object.keys(w.thresholds ?? {})) {
    // Unknown metrics are reported by the thresholds' own rule.
    if (lookupMetric(metric) === undefined && topicOfMetric(metric) === null) continue;
    if (stream && (metric.startsWith('fanout.') || metric.startsWith('publish.'))) {
      issues.push({ path: thresholdPath(metric), message: 'measures publishes by wsload, but the server publishes (publish.source "server"): nothing would be measured; expected a stream.* metric (stream.staleness.p99, stream.missing, …)' });
    } else if (!stream && metric.startsWith('stream.')) {
      issues.push({ path: thresholdPath(metric), message: 'measures a server stream, but this scenario has none (publish.source "server"): nothing would be measured; expected fanout.* or publish.* metrics, or publish.source "server"' });
    }
  }
  return issues;
}

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
    issues.push({ path: `${path}.max`, message: `with jitter ${jitter} a delay of "${r.max}" can reach ${formatDuration(max * (1 + jitter))}, longer than a timer can wait (${formatDuration(NODE_TIMER_MAX_MS - (NODE_TIMER_MAX_MS % 1000))}); expected at most ${formatDuration(Math.floor(NODE_TIMER_MAX_MS / (1 + jitter) / 1000) * 1000)}` });
  }
  return issues;
}

function allReconnectIssues(w: PartialScenario): Issue[] {
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

function tlsIssues(w: PartialScenario, baseDir: string, checkFiles: boolean): Issue[] {
  const issues: Issue[] = [];
  const { tls } = w;
  if (!tls) return [];
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    const missing = tls.cert === undefined ? 'cert' : 'key';
    issues.push({ path: `tls.${missing}`, message: `required with tls.${missing === 'cert' ? 'key' : 'cert'}; expected a client certificate and key together` });
  }
  if (checkFiles) {
    const abs = (file: string | undefined): string | undefined => (file === undefined ? undefined : resolvePath(baseDir, file));
    issues.push(...tlsFileIssues({ ca: abs(tls.ca), cert: abs(tls.cert), key: abs(tls.key) }));
  }
  return issues;
}

/** The IP address the sockets dial when validation can know it: the embedded target, an IP literal, or a `resolve` entry. */
function targetAddress(w: PartialScenario): string | null {
  if (w.target === undefined) return null;
  if (w.target === 'embedded') return '127.0.0.1'; // where startEmbeddedTarget listens
  let host: string;
  try {
    host = new URL(w.target.url.replaceAll('{conn}', '0')).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return null; // the schema reports the URL
  }
  const mapped = w.resolve?.[host] ?? Object.entries(w.resolve ?? {}).find(([name]) => name.toLowerCase() === host.toLowerCase())?.[1];
  const address = mapped ?? host;
  return isIP(address) !== 0 ? address : null;
}

function localAddressIssues(w: PartialScenario, interfaces: readonly string[] | undefined): Issue[] {
  if (!w.localAddresses) return [];
  const issues: Issue[] = [];
  const target = targetAddress(w);
  const targetFamily = target === null ? 0 : isIP(target);
  w.localAddresses.forEach((address, i) => {
    // Binding an address the machine does not have fails every connect with EADDRNOTAVAIL.
    if (interfaces && !isLocalAddress(address, interfaces)) {
      issues.push({ path: `localAddresses[${i}]`, message: `${address} is not an address of this machine (its interfaces have ${interfaces.join(', ') || 'none'}); expected a local address such as 127.0.0.2` });
      return;
    }
    // An IPv6 source towards an IPv4 target (or the reverse) fails every connect with EINVAL.
    const family = isIP(address.replace(/%.*$/, ''));
    if (targetFamily !== 0 && family !== 0 && family !== targetFamily) {
      issues.push({ path: `localAddresses[${i}]`, message: `${address} is IPv${family} but the target address ${target ?? ''} is IPv${targetFamily}; expected IPv${targetFamily} source addresses` });
    }
  });
  return issues;
}

/** A URL template filled with one sample value per placeholder must still be a URL: a placeholder in the port takes numbers only. */
function filledUrlProblem(url: string, schemes: readonly string[]): string | null {
  try {
    const u = new URL(url);
    return schemes.includes(u.protocol) && u.hostname !== '' ? null : 'not a URL of the right scheme';
  } catch {
    return 'not a valid URL';
  }
}

function urlTemplateIssues(w: PartialScenario): Issue[] {
  const issues: Issue[] = [];
  const p = w.publish;
  if (p && typeof p.url === 'string' && p.ids.length > 0) {
    const ids = p.ids.map(String);
    for (const [i, id] of ids.entries()) {
      if (ids.indexOf(id) !== i) continue;
      const filled = fillPublishUrl(p.url, [id], 1, 'validate');
      const problem = filledUrlProblem(filled, ['http:', 'https:']);
      if (problem) {
        issues.push({ path: 'publish.url', message: `with id ${JSON.stringify(id)} (publish.ids[${i}]) it becomes ${JSON.stringify(filled)}, ${problem}; expected every id to give a valid URL (a port takes a number up to 65535)` });
        break;
      }
    }
  }
  const t = w.target;
  if (t && t !== 'embedded' && w.connections !== undefined && t.url.includes('{conn}')) {
    for (const conn of [0, w.connections - 1]) {
      const filled = t.url.replaceAll('{conn}', String(conn));
      const problem = filledUrlProblem(filled, ['ws:', 'wss:']);
      if (problem) {
        issues.push({ path: 'target.url', message: `for socket ${conn} it becomes ${JSON.stringify(filled)}, ${problem}; expected every socket index to give a valid URL` });
        break;
      }
    }
  }
  return issues;
}

const HTTP_ONLY_KEYS = ['url', 'method', 'contentType', 'status'] as const;

function carriesSeq(text: string): boolean {
  return text.includes('{seq}') || text.includes('{value}');
}

/** The publish request or publisher socket: keys that belong to the other way of publishing, bodies a method cannot carry, the seq carried somewhere. */
function publishRequestIssues(w: PartialScenario): Issue[] {
  const p = w.publish;
  // A server stream makes no request (scenario/stream-rules.ts refuses request keys with it).
  if (!p || p.source === 'server') return [];
  const issues: Issue[] = [];
  const bodyText = p.body === undefined ? '' : typeof p.body === 'string' ? p.body : JSON.stringify(p.body);
  if (p.via === 'websocket') {
    if (!p.socket) issues.push({ path: 'publish.socket', message: 'required with publish.via "websocket"; expected an object like {"url": "ws://host:port/chat"}' });
    if (p.body === undefined) issues.push({ path: 'publish.body', message: 'required with publish.via "websocket"; expected the message to send, carrying "{seq}" or "{value}", like {"type": "say", "text": "{value}"}' });
    else if (!carriesSeq(bodyText)) issues.push({ path: 'publish.body', message: `expected a message carrying "{seq}" or "{value}" (subscribers find the publish by it), got ${describeValue(p.body)}` });
    for (const key of HTTP_ONLY_KEYS) {
      if (p[key] !== undefined && p[key] !== null) issues.push({ path: `publish.${key}`, message: 'applies to HTTP publishes only, but publish.via is "websocket"; expected it left out (the publisher socket is publish.socket)' });
    }
    if (Object.keys(p.headers).length > 0) issues.push({ path: 'publish.headers', message: 'applies to HTTP publishes only, but publish.via is "websocket"; expected the upgrade headers in publish.socket.headers' });
    return issues;
  }
  if (p.socket) issues.push({ path: 'publish.socket', message: 'applies only with publish.via "websocket"; expected publish.via "websocket" or no publish.socket' });
  if (p.ack !== undefined) issues.push({ path: 'publish.ack', message: 'applies only with publish.via "websocket" (an HTTP publish is acknowledged by its status, publish.status)' });
  if (p.body !== undefined && p.method !== undefined && ['GET', 'HEAD'].includes(p.method.toUpperCase())) {
    issues.push({ path: 'publish.body', message: `a ${p.method.toUpperCase()} request carries no body; expected publish.method "POST" (or "PUT", "PATCH"), or no method (a body makes it POST)` });
  }
  const headerNames = Object.keys(p.headers);
  const typeHeader = headerNames.find((name) => name.toLowerCase() === 'content-type');
  if (p.contentType !== undefined && typeHeader !== undefined) {
    issues.push({ path: 'publish.contentType', message: `also set in ${formatPath(['publish', 'headers', typeHeader])}; expected one of the two` });
  }
  if (typeof p.url === 'string' && !carriesSeq([p.url, ...Object.values(p.headers), bodyText].join('\n'))) {
    issues.push({ path: 'publish.url', message: `expected the request to carry "{seq}" or "{value}" (in publish.url, a header value or publish.body), got ${describeValue(p.url)}` });
  }
  // An id holding a newline would make Node refuse the header on every publish.
  for (const name of headerNames) {
    const bad = p.ids.map(String).find((id) => BAD_HEADER_VALUE.test(fillHeader(p.headers[name], [id], 1, 'validate')));
    if (bad !== undefined) issues.push({ path: formatPath(['publish', 'headers', name]), message: `with id ${JSON.stringify(bad)} it holds a control character; expected ids a header value can carry` });
  }
  return issues;
}

/** Bounds that keep every wait of the run finite: the ramp-up and the time between two publishes. */
function pacingIssues(w: PartialScenario): Issue[] {
  const issues: Issue[] = [];
  if (w.connections !== undefined && w.connectRate !== undefined) {
    const rampMs = (w.connections / w.connectRate) * 1000;
    if (!(rampMs <= MAX_DURATION_MS)) {
      const least = w.connections / (MAX_DURATION_MS / 1000);
      issues.push({ path: 'connectRate', message: `${w.connections} sockets at ${w.connectRate}/s take longer than 24d to connect; expected at least ${least.toPrecision(2)} sockets per second` });
    }
  }
  if (w.publish && !(1000 / w.publish.rate <= MAX_DURATION_MS)) {
    issues.push({ path: 'publish.rate', message: `one publish every ${formatDuration(1000 / w.publish.rate)} is longer than 24d apart; expected at least ${(1000 / MAX_DURATION_MS).toPrecision(2)} publishes per second` });
  }
  return issues;
}

function workerIssues(w: PartialScenario): Issue[] {
  if (w.workers !== undefined && w.connections !== undefined && w.workers > w.connections) {
    return [{ path: 'workers', message: `expected at most one worker per connection (${w.connections}), got ${w.workers}` }];
  }
  return [];
}

/** Open files wsload keeps for itself with `workers` worker threads. */
export function reservedOpenFiles(workers: number): number {
  return RESERVED_OPEN_FILES + workers * OPEN_FILES_PER_WORKER;
}

/** Most local shards a scenario may ask for (the schema enforces the same bound). */
export const MAX_SHARDS = 64;

/** Local shards (processes) that `connections` sockets need under an open-files limit, at least 1. */
export function shardsNeeded(connections: number, workers: number, openFiles: number): number {
  const perProcess = Math.max(1, openFiles - reservedOpenFiles(workers));
  return Math.max(1, Math.ceil(connections / perProcess));
}

function limitIssues(w: PartialScenario, limits: MachineLimits | undefined, cpus: number): Issue[] {
  if (!limits || w.connections === undefined) return [];
  const issues: Issue[] = [];
  const n = w.connections;
  const workers = w.workers ?? Math.min(MAX_WORKERS, Math.max(1, Math.floor(cpus)), n);
  const reserve = reservedOpenFiles(workers);
  if (limits.openFiles !== null && w.shards !== undefined) {
    // Each shard holds its share of the sockets (floor + remainder) under its own limit.
    const perShard = Math.ceil(n / w.shards);
    const shardReserve = reservedOpenFiles(Math.ceil(workers / w.shards));
    if (perShard > limits.openFiles - shardReserve) {
      issues.push({
        path: 'shards',
        message: `${w.shards} shard${w.shards === 1 ? '' : 's'} would hold ${perShard} sockets each but a process may open ${limits.openFiles} files (ulimit -n; ${shardReserve} kept for wsload itself); use at least ${shardsNeeded(n, workers, limits.openFiles)} shards or leave shards out to let wsload choose`,
      });
    }
  } else if (limits.openFiles !== null && shardsNeeded(n, workers, limits.openFiles) > MAX_SHARDS) {
    issues.push({
      path: 'connections',
      message: `${n} sockets need ${n} open files but this process may open ${limits.openFiles} (ulimit -n): more than ${MAX_SHARDS} local shards of at most ${Math.max(0, limits.openFiles - reserve)} sockets each; raise the limit or spread the run over agents on several machines (--agents)`,
    });
  }
  if (limits.ephemeralPorts !== null) {
    const sources = Math.max(1, w.localAddresses?.length ?? 0);
    const ports = limits.ephemeralPorts * sources;
    if (n > ports) {
      const needed = Math.ceil(n / limits.ephemeralPorts);
      issues.push({
        path: 'connections',
        message: `${n} sockets to one target address need ${n} local ports but ${sources === 1 ? 'one source address has' : `${sources} source addresses have`} ${ports} (${limits.ephemeralPorts} each, net.ipv4.ip_local_port_range); list at least ${needed} source addresses in localAddresses (for a loopback target, e.g. "127.0.0.2", "127.0.0.3", …)`,
      });
    }
  }
  return issues;
}

/** Each text of the target that may hold placeholders, with its JSON path. */
function templatedTexts(w: PartialScenario): { path: string; text: string; header: boolean }[] {
  const t = w.target;
  if (!t || t === 'embedded') return [];
  const out = [{ path: 'target.url', text: t.url, header: false }];
  for (const [name, value] of Object.entries(t.headers)) out.push({ path: `target.headers${/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`}`, text: value, header: true });
  t.open.forEach((step, i) => out.push({ path: `target.open[${i}].send`, text: typeof step.send === 'string' ? step.send : JSON.stringify(step.send), header: false }));
  out.push(...protocolTexts(w));
  return out;
}

function openStepIssues(w: PartialScenario): Issue[] {
  const t = w.target;
  if (!t || t === 'embedded') return [];
  const issues: Issue[] = [];
  t.open.forEach((step, i) => {
    if (step.ack !== undefined) return;
    if (step.reject !== undefined) issues.push({ path: `target.open[${i}].reject`, message: 'requires "ack": a reject match only applies while waiting for an acknowledgement' });
    if (step.timeout !== undefined) issues.push({ path: `target.open[${i}].timeout`, message: 'requires "ack": the timeout bounds the wait for an acknowledgement' });
  });
  return issues;
}

/**
 * The identities file (read and parsed, counted against connections) and every placeholder: an
 * identity field the file lacks, identities used without a file, a value that cannot go in a header.
 */
function identityIssues(w: PartialScenario, baseDir: string, env: Readonly<Record<string, string | undefined>>): Issue[] {
  const issues: Issue[] = [];
  let table: IdentityTable | null = null;
  let file = '';
  // A path from the environment ({env.DIR}/users.csv) is read filled in and named as written:
  // messages never show a value taken from the environment. One not set is envIssues' to report.
  const written = w.identities?.file ?? '';
  const unset = envNames(written).some((name) => envValue(env, name) === undefined);
  if (w.identities && !unset) {
    const path = resolvePath(baseDir, fillEnv(written, env));
    file = hasEnvRef(written) ? written : path;
    const read = readIdentities(path);
    if ('message' in read) issues.push({ path: 'identities.file', message: read.message.replaceAll(path, file) });
    else table = read;
    if (table && w.connections !== undefined && table.rows.length < w.connections && !w.identities.reuse) {
      issues.push({ path: 'identities.file', message: `${file} has ${table.rows.length} identit${table.rows.length === 1 ? 'y' : 'ies'} for ${w.connections} connections; expected at least ${w.connections}, or "reuse": true to hand them out round robin` });
    }
  }
  for (const { path, text, header } of templatedTexts(w)) {
    for (const name of new Set(placeholderNames(text))) {
      if (name === 'topic') {
        if (w.topics === undefined) issues.push({ path, message: '"{topic}" is not available: this scenario assigns no topics to sockets; expected a top-level "topics" key, or "{conn}", "{cohort}" or "{identity.FIELD}"' });
        continue;
      }
      if (!name.startsWith('identity.')) continue;
      const field = name.slice('identity.'.length);
      if (!w.identities) {
        issues.push({ path, message: `uses "{${name}}" but the scenario has no identities; expected an "identities": {"file": …} key` });
        continue;
      }
      if (!table) continue; // the file's own issue says why
      const at = table.fields.indexOf(field);
      if (at < 0) {
        issues.push({ path, message: `uses "{${name}}" but ${file} has no field "${field}" (it has ${table.fields.join(', ')})` });
        continue;
      }
      if (header) {
        const bad = table.rows.findIndex((row) => BAD_HEADER_VALUE.test(row[at]));
        if (bad >= 0) issues.push({ path, message: `identity ${bad + 1} of ${file} has a "${field}" with CR, LF or another control character, which cannot go in a header` });
      }
    }
  }
  return issues;
}

/** Options of the rules that look outside the scenario. */
export interface RuleOptions {
  baseDir: string;
  checkFiles: boolean;
  limits?: MachineLimits;
  /** This machine's interface addresses, to check localAddresses against; unchecked when absent. */
  interfaces?: readonly string[];
  /** Default worker count (workers absent from the scenario). */
  cpus: number;
  /** Where `{env.NAME}` takes its values; process.env when absent. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Every cross-key issue among the keys that are valid on their own. */
export function ruleIssues(w: PartialScenario, opts: RuleOptions): Issue[] {
  return [
    ...urlTemplateIssues(w),
    ...publishRequestIssues(w),
    ...framingHeaderIssues(w),
    ...cohortIssues(w),
    ...topicIssues(w),
    ...emptyTopicIssues(w),
    ...publishTopicPlaceholderIssues(w),
    ...publishSocketPlaceholderIssues(w),
    ...publishModeThresholdIssues(w),
    ...allReconnectIssues(w),
    ...tlsIssues(w, opts.baseDir, opts.checkFiles),
    ...identityIssues(w, opts.baseDir, opts.env ?? process.env),
    ...openStepIssues(w),
    ...protocolIssues(w),
    ...pacingIssues(w),
    ...zeroHoldIssues(w),
    ...publishStageIssues(w),
    ...workerIssues(w),
    ...localAddressIssues(w, opts.interfaces),
    ...limitIssues(w, opts.limits, opts.cpus),
  ];
}

/** A TLS file path as the runtime opens it: absolute, relative to the scenario's directory. */
export function resolveScenarioPath(baseDir: string, file: string): string {
  return resolvePath(baseDir, file);
}
