/**
 * The scenario as written (valid, defaults filled) → the normalized Scenario every later stage
 * reads: durations in ms, ids as strings, cohorts as socket counts, TLS paths absolute.
 */
import { parseDuration } from '../duration.js';
import { autoReportIntervalMs } from './report-interval.js';
import { resolveScenarioPath } from './paths.js';
import type { WrittenScenario } from './schema.js';
import { normalizePublishMethod } from './publish-methods/table.js';
import { readIdentities } from './identities-file.js';
import { fillEnv, hasEnvRef } from '../run/env-refs.js';
import { generatedTopicCounts, generatedTopicName } from '../run/topics.js';
import { observeEndpoints } from './observe-rules.js';
import { DEFAULT_DEFLATE_OFFER, type DeflateOffer } from '../run/deflate.js';
import { memoryFlatMbPerHour } from '../metrics/observe/units.js';
import type {
  Topics,
  Cohort,
  Protocol,
  Identities,
  LoadStage,
  MemoryJudging,
  OpenStep,
  Publish,
  ReconnectPolicy,
  ReconnectPolicyName,
  ReplyMatch,
  Scenario,
  ServerStream,
  Target,
} from '../run/scenario.js';

/** Most worker threads a scenario may ask for (the schema enforces the same bound). */
export const MAX_WORKERS = 64;

function ms(text: string): number {
  const value = parseDuration(text);
  // The schema only lets valid durations through; reaching this is a bug, not bad input.
  if (value === undefined) throw new TypeError(`not a duration: ${text}`);
  return value;
}

/**
 * Splits `total` by fractions that sum to 1: floor each part, then hand the remainder one by one
 * to the largest fractional parts (ties to the earlier cohort), so parts sum exactly to total.
 */
export function splitByShares(total: number, shares: readonly number[]): number[] {
  const exact = shares.map((s) => s * total);
  const parts = exact.map((x) => Math.floor(x));
  let rest = total - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; rest > 0 && order.length > 0; k = (k + 1) % order.length, rest--) parts[order[k].i]++;
  // Shares summing to 1 ± 1e-6 can floor to one more than total at most; take it from the largest part.
  while (rest < 0) {
    const largest = parts.indexOf(Math.max(...parts));
    parts[largest]--;
    rest++;
  }
  return parts;
}

interface WrittenReconnect {
  policy?: ReconnectPolicyName;
  min?: string;
  max?: string;
  jitter?: number;
}

function reconnectPolicy(top: Required<WrittenReconnect>, own: WrittenReconnect | undefined): ReconnectPolicy {
  const policy = own?.policy ?? top.policy;
  const jitter = own?.jitter ?? top.jitter;
  if (policy === 'immediate') return { policy, minMs: 0, maxMs: 0, jitter };
  return { policy, minMs: ms(own?.min ?? top.min), maxMs: ms(own?.max ?? top.max), jitter };
}

/** Default wait for an open step's acknowledgement. */
export const DEFAULT_ACK_TIMEOUT_MS = 10_000;

interface WrittenMatch {
  pointer?: string;
  equals?: string | number | boolean | null;
  regex?: string;
}

function replyMatch(m: WrittenMatch | undefined): ReplyMatch | null {
  if (m === undefined) return null;
  // The schema lets through exactly one of regex, or pointer with equals.
  return m.regex !== undefined ? { regex: m.regex } : { pointer: m.pointer ?? '', equals: m.equals ?? null };
}

function openSteps(steps: Extract<WrittenScenario['target'], object>['open']): OpenStep[] {
  return steps.map((step) => ({
    text: typeof step.send === 'string' ? step.send : JSON.stringify(step.send),
    json: typeof step.send !== 'string',
    ack: replyMatch(step.ack),
    reject: replyMatch(step.reject),
    timeoutMs: step.timeout !== undefined ? ms(step.timeout) : DEFAULT_ACK_TIMEOUT_MS,
  }));
}

function target(w: WrittenScenario): Target {
  if (w.target === 'embedded') return { kind: 'embedded' };
  const t = w.target;
  // Left out when empty, so a scenario without open messages normalizes (and reports) as before.
  return {
    kind: 'url',
    url: t.url,
    headers: { ...t.headers },
    origin: t.origin ?? null,
    subprotocols: [...t.subprotocols],
    ...(t.open.length > 0 ? { open: openSteps(t.open) } : {}),
  };
}

/** The protocol's options with defaults filled; undefined for plain WebSocket (so such a scenario normalizes as before). */
function protocol(w: WrittenScenario): Protocol | undefined {
  const p = typeof w.protocol === 'string' ? { name: w.protocol } : w.protocol;
  const timeoutMs = 'timeout' in p && p.timeout !== undefined ? ms(p.timeout) : DEFAULT_ACK_TIMEOUT_MS;
  if (p.name === 'socket.io') {
    const o = 'namespace' in p ? p : undefined;
    return {
      name: 'socket.io',
      namespace: o?.namespace ?? '/',
      events: o ? [...o.events] : ['message'],
      auth: o?.auth !== undefined ? JSON.stringify(o.auth) : null,
      join: o?.join ? { event: o.join.event, args: JSON.stringify(o.join.args), ack: o.join.ack } : null,
      timeoutMs,
    };
  }
  if (p.name === 'mqtt') {
    const o = 'qos' in p ? p : undefined;
    return {
      name: 'mqtt',
      topics: o?.topics ? [...o.topics] : [w.topics !== undefined ? '{topic}' : '#'],
      qos: o?.qos ?? 0,
      keepaliveMs: ms(o?.keepalive ?? '60s'),
      clientId: o?.clientId ?? 'wsload-{conn}',
      clean: o?.clean ?? true,
      version: o?.version ?? 4,
      username: o?.username ?? null,
      password: o?.password ?? null,
      timeoutMs,
    };
  }
  if (p.name === 'graphql-ws') {
    return {
      name: 'graphql-ws',
      query: p.query,
      variables: p.variables !== undefined ? JSON.stringify(p.variables) : null,
      operationName: p.operationName ?? null,
      init: p.init !== undefined ? JSON.stringify(p.init) : null,
      pingMs: ms(p.ping),
      timeoutMs,
    };
  }
  if (p.name === 'stomp') {
    const o = 'host' in p ? p : undefined;
    return {
      name: 'stomp',
      destinations: o?.destinations ? [...o.destinations] : ['/topic/{topic}'],
      host: o?.host ?? '/',
      login: o?.login ?? null,
      passcode: o?.passcode ?? null,
      heartbeatSendMs: ms(o?.heartbeat.send ?? '0s'),
      heartbeatReceiveMs: ms(o?.heartbeat.receive ?? '0s'),
      timeoutMs,
    };
  }
  return undefined;
}

function identities(w: WrittenScenario, baseDir: string, env: Readonly<Record<string, string | undefined>>): Identities | undefined {
  if (!w.identities) return undefined;
  const path = resolveScenarioPath(baseDir, fillEnv(w.identities.file, env));
  // Named as written when its path comes from the environment: the report keeps "{env.NAME}".
  const file = hasEnvRef(w.identities.file) ? w.identities.file : path;
  const read = readIdentities(path);
  // The rules read the same file and let no bad one through; reaching this is a bug (or a race with an edit).
  if ('message' in read) throw new TypeError(read.message);
  return { file, fields: read.fields, count: read.rows.length, rows: read.rows, reuse: w.identities.reuse };
}

/** publish.match as written → where the value is and how to read it. */
function matchRule(match: NonNullable<WrittenScenario['publish']>['match']): Pick<Publish, 'match' | 'matchBy'> {
  if (typeof match === 'string') return { match, matchBy: 'field' };
  if (match.sequence !== undefined) return { match: match.sequence, matchBy: 'pointer' };
  // The schema lets through exactly one of the two keys.
  return { match: match.regex ?? '', matchBy: 'regex' };
}

function publish(w: WrittenScenario): Publish | null {
  const p = w.publish;
  const method = p === null ? null : normalizePublishMethod(p, protocolNameOf(w));
  // The server publishes: no publisher, no publish ring records (`stream` says what to judge).
  if (p === null || method === null || !('publish' in method)) return null;
  return {
    url: p.url ?? null,
    rate: p.rate,
    ids: p.ids.map((id) => String(id)),
    ...matchRule(p.match),
    binary: p.binary,
    deadlineMs: ms(p.deadline),
    concurrency: p.concurrency,
    timeoutMs: ms(p.timeout),
    ...method.publish,
    ...(p.stages ? { stages: loadStages(p.stages) } : {}),
    ...publishTopics(w),
  };
}

/** The scenario's protocol name as written (string or object form), if any. */
function protocolNameOf(w: WrittenScenario): string | undefined {
  const p = w.protocol;
  return p === undefined ? undefined : typeof p === 'string' ? p : p.name;
}

/** The server's stream (publish.source "server"): what workers judge each message by; none when wsload publishes. */
function streamOf(w: WrittenScenario): { stream?: ServerStream } {
  const method = w.publish === null ? null : normalizePublishMethod(w.publish);
  return method !== null && 'stream' in method ? { stream: method.stream } : {};
}

/** Written stages → durations in ms. */
function loadStages(stages: readonly { duration: string; target: number }[]): LoadStage[] {
  return stages.map((s) => ({ durationMs: ms(s.duration), target: s.target }));
}

/** The hold: the connection stages' total when given (one hold spans them), else duration. */
function holdMs(w: WrittenScenario): number {
  return w.stages ? w.stages.reduce((sum, s) => sum + ms(s.duration), 0) : ms(w.duration);
}

/** The topics as names and socket counts; list shares split like cohort shares. */
function topics(w: WrittenScenario): Topics | undefined {
  const t = w.topics;
  if (t === undefined) return undefined;
  if (!Array.isArray(t)) {
    const names = Array.from({ length: t.count }, (_, n) => generatedTopicName(t.name, n));
    return { names, counts: generatedTopicCounts(t.count, w.connections, t.assign), assign: t.assign };
  }
  const counts = t.every((x) => x.share !== undefined)
    ? splitByShares(
        w.connections,
        t.map((x) => x.share ?? 0),
      )
    : t.map((x) => x.count ?? 0);
  return { names: t.map((x) => x.name), counts, assign: 'ranges' };
}

/** publish.topics: the written cycle, or every topic in order; absent without topics. */
function publishTopics(w: WrittenScenario): { topics?: string[] } {
  const t = topics(w);
  if (!t || !w.publish) return {};
  return { topics: w.publish.topics ? [...w.publish.topics] : [...t.names] };
}

function cohorts(w: WrittenScenario): Cohort[] {
  const top = w.reconnect;
  const written = w.cohorts ?? [{ name: 'default', count: w.connections }];
  const counts = written.every((c) => c.share !== undefined)
    ? splitByShares(
        w.connections,
        written.map((c) => c.share ?? 0),
      )
    : written.map((c) => c.count ?? 0);
  return written.map((c, i) => ({
    name: c.name,
    count: counts[i],
    pingIntervalMs: 'pingInterval' in c && c.pingInterval !== undefined ? ms(c.pingInterval) : null,
    heartbeat: 'heartbeat' in c && c.heartbeat !== undefined ? { intervalMs: ms(c.heartbeat.interval), text: c.heartbeat.text } : null,
    reconnect: reconnectPolicy(top, 'reconnect' in c ? c.reconnect : undefined),
  }));
}

/** Builds the Scenario from a written scenario that passed the schema and the rules. */
/** How long the run is planned to last: the ramp at connectRate, then the hold. */
function plannedMs(w: WrittenScenario): number {
  if (w.stages) return holdMs(w);
  return (1000 * w.connections) / w.connectRate + ms(w.duration);
}

export function normalizeScenario(
  w: WrittenScenario,
  opts: { cpus: number; baseDir: string; env?: Readonly<Record<string, string | undefined>> },
): Scenario {
  const file = (p: string | undefined): string | null => (p === undefined ? null : resolveScenarioPath(opts.baseDir, p));
  const ids = identities(w, opts.baseDir, opts.env ?? process.env);
  const defaultWorkers = Math.min(MAX_WORKERS, Math.max(1, Math.floor(opts.cpus)), w.connections);
  const proto = protocol(w);
  return {
    name: w.name,
    target: target(w),
    connections: w.connections,
    connectRate: w.connectRate,
    maxPendingHandshakes: w.maxPendingHandshakes,
    handshakeTimeoutMs: ms(w.handshakeTimeout),
    durationMs: holdMs(w),
    publish: publish(w),
    workers: w.workers ?? defaultWorkers,
    shards: w.shards ?? null,
    localAddresses: [...w.localAddresses],
    cohorts: cohorts(w),
    report: {
      intervalMs: w.report.interval !== undefined ? ms(w.report.interval) : autoReportIntervalMs(plannedMs(w)),
      ...(w.report.memory ? { memory: memoryJudging(w.report.memory) } : {}),
    },
    thresholds: { ...w.thresholds },
    tls: {
      ca: file(w.tls.ca),
      insecure: w.tls.insecure,
      servername: w.tls.servername ?? null,
      cert: file(w.tls.cert),
      key: file(w.tls.key),
    },
    resolve: { ...w.resolve },
    ...(ids ? { identities: ids } : {}),
    ...(w.topics !== undefined ? { topics: topics(w) } : {}),
    ...(w.metrics ? { metrics: { listen: w.metrics.listen.trim() } } : {}),
    ...(w.observe && w.observe.length > 0 ? { observe: observeEndpoints(w.observe, file) } : {}),
    ...(w.stages ? { stages: loadStages(w.stages) } : {}),
    ...streamOf(w),
    ...(proto ? { protocol: proto } : {}),
    ...deflateOf(w),
  };
}

/** The written permessage-deflate key with its defaults; nothing when off. */
function deflateOf(w: WrittenScenario): { perMessageDeflate?: DeflateOffer } {
  const d = w.perMessageDeflate;
  if (d === false) return {};
  if (d === true) return { perMessageDeflate: { ...DEFAULT_DEFLATE_OFFER } };
  return {
    perMessageDeflate: {
      serverNoContextTakeover: d.serverNoContextTakeover,
      clientNoContextTakeover: d.clientNoContextTakeover,
      serverMaxWindowBits: d.serverMaxWindowBits ?? null,
      clientMaxWindowBits: d.clientMaxWindowBits ?? null,
      threshold: d.threshold,
      level: d.level ?? null,
      memLevel: d.memLevel ?? null,
      concurrencyLimit: d.concurrencyLimit,
    },
  };
}

/** report.memory as written → the tolerance in MB per hour and the shortest judged half in ms (the schema checked both). */
function memoryJudging(m: NonNullable<WrittenScenario['report']['memory']>): MemoryJudging {
  const flat = m.flat !== undefined ? memoryFlatMbPerHour(m.flat) : undefined;
  return {
    ...(flat !== undefined ? { toleranceMbPerHour: flat } : {}),
    ...(m.minWindow !== undefined ? { minWindowMs: ms(m.minWindow) } : {}),
  };
}
