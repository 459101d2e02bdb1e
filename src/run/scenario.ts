/**
 * The scenario after validation and normalization: every default filled in, durations in
 * milliseconds, cohorts resolved to socket counts. This is the contract between the scenario
 * loader and everything downstream (plan, driver, report); the file format as written lives in
 * schema.ts.
 */
import type { DeflateOffer } from './deflate.js';
import type { LoadStage, Publish, ServerStream, Topics } from './scenario-publish.js';
import type { Protocol } from './scenario-protocols.js';

export type * from './scenario-publish.js';
export type * from './scenario-protocols.js';

/** publish.deadline when the scenario leaves it out (the schema's default), in ms. */
export const DEFAULT_PUBLISH_DEADLINE_MS = 10_000;

export type ReconnectPolicyName = 'none' | 'immediate' | 'backoff';

export interface ReconnectPolicy {
  policy: ReconnectPolicyName;
  /** First backoff delay (backoff) or 0 (immediate). */
  minMs: number;
  /** Backoff ceiling. */
  maxMs: number;
  /** Fraction of the delay randomised either way, 0..1. */
  jitter: number;
}

export interface Heartbeat {
  intervalMs: number;
  text: string;
}

export interface Cohort {
  name: string;
  /** Sockets in this cohort; cohorts' counts sum to Scenario.connections. */
  count: number;
  /** WebSocket ping frames at this interval, or null. */
  pingIntervalMs: number | null;
  /** Application text heartbeat at an interval, or null. */
  heartbeat: Heartbeat | null;
  reconnect: ReconnectPolicy;
}

export interface TlsOptions {
  /** Path to a PEM CA bundle trusted in addition to nothing else (replaces the default store). */
  ca: string | null;
  /** Skip certificate verification (curl -k). Flagged loudly in summary and report. */
  insecure: boolean;
  /** SNI and certificate name to check; defaults to the URL's host. */
  servername: string | null;
  /** Client certificate and key (PEM paths) for mutual TLS. */
  cert: string | null;
  key: string | null;
}

/** A match on a reply: a JSON pointer holding a value, or a regular expression over the text. */
export type ReplyMatch = { pointer: string; equals: string | number | boolean | null } | { regex: string };

/** One message a socket sends after the upgrade (and after every reconnect). */
export interface OpenStep {
  /** The message template; "{conn}", "{cohort}" and "{identity.FIELD}" are replaced per socket. */
  text: string;
  /** The template is JSON text: placeholder values are JSON-string-escaped when filled in. */
  json: boolean;
  /** Reply to wait for before the next step (the socket subscribes after its last step), or null. */
  ack: ReplyMatch | null;
  /** Reply that fails the subscription ("subscribe-rejected"), or null. */
  reject: ReplyMatch | null;
  /** How long to wait for the ack ("subscribe-timeout"). */
  timeoutMs: number;
}

/** Per-socket values read from the identities file at load. */
export interface Identities {
  /** Absolute path of the file (for messages). */
  file: string;
  /** Field names (CSV header, JSON keys of the first line). */
  fields: string[];
  /** Identities in the file. */
  count: number;
  /** One row per identity, values parallel to `fields`; empty in a report (identities hold tokens). */
  rows: string[][];
  /** Fewer identities than sockets allowed: socket i takes row i mod rows. */
  reuse: boolean;
}

export type Target =
  | { kind: 'embedded' }
  | {
      kind: 'url';
      /** ws:// or wss:// URL; may hold "{conn}" which is replaced by the socket's index. */
      url: string;
      headers: Record<string, string>;
      origin: string | null;
      subprotocols: string[];
      /** Messages sent after the upgrade; empty or absent (reports before it): subscribed at the upgrade. */
      open?: OpenStep[];
    };

/** Where the run serves GET /metrics while it runs. */
export interface MetricsOptions {
  /** "HOST:PORT" (net/listen-address.ts parses it). */
  listen: string;
}

/** A Prometheus endpoint scraped during the run (scenario `observe`; docs/observe.md). */
/** How an observed endpoint's body is read: the Prometheus text format, or nginx's stub_status page (mapped to the exporter's names). */
export const OBSERVE_FORMATS = ['prometheus', 'nginx-stub-status'] as const;
export type ObserveFormat = (typeof OBSERVE_FORMATS)[number];

export interface ObserveEndpoint {
  name: string;
  url: string;
  /** Absent: "prometheus" (scenarios normalized before the key existed). */
  format?: ObserveFormat;
  /** Selectors as written, each with its series name; null: every series of the endpoint (up to a bound). */
  series: { match: string; as?: string; flatPerHour?: number }[] | null;
  timeoutMs: number;
  maxBytes: number;
  /** The trend's warm-up and shortest judged window; absent: the client RSS's defaults. */
  warmUpMs?: number;
  minWindowMs?: number;
  /** The endpoint's own TLS (file paths absolute); absent: an https:// scrape uses the scenario's `tls`. */
  tls?: TlsOptions;
}

export interface ReportOptions {
  /** Interval of the .ndjson timeline and .hlog histogram log. */
  intervalMs: number;
  /** How client.memory is judged (report.memory); absent: the defaults (metrics/memory-trend.ts). */
  memory?: MemoryJudging;
}

/** The user's settings of the client.memory verdict; each absent one takes its default. */
export interface MemoryJudging {
  /** Growth judged flat, MB per hour (default 10 MB/h or 2 % of the median RSS per hour). */
  toleranceMbPerHour?: number;
  /** Shortest later half of the hold that gets a call (default 20 min). */
  minWindowMs?: number;
}

export interface Scenario {
  name: string;
  target: Target;
  connections: number;
  /** New sockets per second during the ramp-up. */
  connectRate: number;
  /** Handshakes in flight at most. */
  maxPendingHandshakes: number;
  /** A handshake not finished by then fails as "timeout". */
  handshakeTimeoutMs: number;
  /** permessage-deflate offered on every socket; absent: not offered (as before the key existed). */
  perMessageDeflate?: DeflateOffer;
  /** Hold time after the ramp-up (publishing runs during it). */
  durationMs: number;
  publish: Publish | null;
  workers: number;
  /** Local shards (processes) asked for; null: as many as the open-file limit needs. */
  shards?: number | null;
  /** Source addresses the sockets are spread over (round-robin); empty = kernel's choice. */
  localAddresses: string[];
  cohorts: Cohort[];
  report: ReportOptions;
  /** Metric path → expression, e.g. "fanout.p99": "< 250ms". Checked against METRICS at validation. */
  thresholds: Record<string, string>;
  tls: TlsOptions;
  /** Host name → address, like curl --resolve: URLs keep the name (Host, SNI), sockets go to the address. */
  resolve: Record<string, string>;
  /** Per-socket identities ("{identity.FIELD}"); absent: none. */
  identities?: Identities;
  /** Topics the sockets are in ("{topic}"); absent: every socket receives every publish. */
  topics?: Topics;
  /** The Prometheus endpoint ("HOST:PORT"); absent: none. */
  metrics?: MetricsOptions;
  /** Prometheus endpoints of the gateway or service scraped during the run; absent: none (an embedded target is observed anyway). */
  observe?: ObserveEndpoint[];
  /**
   * Open sockets over time (ramp up, hold, ramp down, steps) from 0; absent: `connectRate` then the hold.
   * With stages, `connections` is their peak and `durationMs` their total (one hold spans them all).
   */
  stages?: LoadStage[];
  /** The server's own stream (`publish.source: "server"`; `publish` is then null); absent: wsload publishes, or nothing does. */
  stream?: ServerStream;
  /** The protocol spoken over each socket (Socket.IO, MQTT); absent: plain WebSocket messages, as before. */
  protocol?: Protocol;
}
