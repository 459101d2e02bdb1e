/**
 * The scenario after validation and normalization: every default filled in, durations in
 * milliseconds, cohorts resolved to socket counts. This is the contract between the scenario
 * loader and everything downstream (plan, driver, report); the file format as written lives in
 * schema.ts.
 */

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

/** How the sequence number is found in a pushed message. */
export type MatchBy = 'field' | 'pointer' | 'regex';
/** What wsload does with a binary frame. */
export type BinaryFrames = 'utf8-json' | 'unmatched';

/** One stage of a load shape: the target is reached linearly over the duration (0 ms: a step). */
export interface LoadStage {
  durationMs: number;
  /** Open sockets (connection stages) or publishes per second (publish stages) at the stage's end. */
  target: number;
}

export interface Publish {
  /**
   * Template of the publish URL with "{id}", "{seq}" and "{value}" (= "<run tag>-<seq>"),
   * or null to derive "<target origin>/api?id={id}&value={value}" from the target.
   */
  url: string | null;
  /** Publishes per second, on a fixed schedule. */
  rate: number;
  /** Ids cycled through, one per publish. */
  ids: string[];
  /** Where the value is: a top-level field name, a JSON pointer or a regular expression's source, as `matchBy` says. */
  match: string;
  /** "field": top-level field `match`; "pointer": RFC 6901 pointer `match`; "regex": the first capture group of `match` over the message text. */
  matchBy?: MatchBy;
  /** Binary frames read as UTF-8 JSON like text frames ("utf8-json"), or counted unmatched unread ("unmatched"); absent: "utf8-json". */
  binary?: BinaryFrames;
  /** How long after its scheduled time a publish may reach a socket before the delivery is late and lost (default DEFAULT_PUBLISH_DEADLINE_MS). */
  deadlineMs: number;
  /** Publish requests in flight at most; a publish due while all are busy waits for a slot with its scheduled time. */
  concurrency: number;
  /** Total time one publish may take (an HTTP request, or a WebSocket send and its ack). */
  timeoutMs: number;
  /** The HTTP request when it is not the demo's GET (method, headers, body, status); absent: GET the URL, any 2xx. */
  request?: HttpPublishRequest;
  /** With topics: the topic names cycled one per publish (publish 1 goes to the first). Absent without topics. */
  topics?: string[];
  /** Present when publishes are messages on a publisher socket (`publish.via: "websocket"`) instead of HTTP requests. */
  websocket?: WebSocketPublish;
  /** The publish rate over the hold, from `rate` through each stage's target (then the last target to the end); absent: `rate` throughout. */
  stages?: LoadStage[];
}

/** A text template with "{id}", "{seq}" and "{value}" placeholders. */
export interface PublishBody {
  template: string;
  /** Written as JSON: "{id}" is escaped as JSON string content, and the template's quoted "{seq}" marker became a number. */
  json: boolean;
}

/** The publish HTTP request beyond its URL. */
export interface HttpPublishRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** Header name → value template. */
  headers: Record<string, string>;
  body: PublishBody | null;
  /** Content-Type sent with the body, null when none is sent (no body, or set in headers). */
  contentType: string | null;
  /** Statuses that count as success; null = any 2xx. */
  status: number[] | null;
}

/** The publisher socket and what it sends per publish. */
export interface WebSocketPublish {
  /** ws:// or wss:// URL of the publisher socket. */
  url: string;
  headers: Record<string, string>;
  subprotocols: string[];
  /** Text messages sent, in order, every time the publisher socket opens. */
  open: string[];
  /** The message sent per publish. */
  message: PublishBody;
  /** Regular expression with one capture group reading an acknowledged seq or value off the socket's replies; null: a publish completes once written. */
  ack: string | null;
}

/** How sockets are put in topics: consecutive index ranges (the list form, like cohorts), i mod n, or floor(i × n / connections). */
export type TopicAssign = 'ranges' | 'modulo' | 'block';

/** The scenario's topics: one per socket; each publish goes to one topic. */
export interface Topics {
  /** Topic names in order; a topic's index is its position here. */
  names: string[];
  /** Sockets in each topic, parallel to `names`; they sum to connections. */
  counts: number[];
  assign: TopicAssign;
}

/** How an embedded timestamp is written: epoch seconds, milliseconds, microseconds, nanoseconds, or an ISO-8601 string. */
export type TimestampUnit = 's' | 'ms' | 'us' | 'ns' | 'iso';

/**
 * A stream the server pushes on its own schedule (`publish.source: "server"`): no publish
 * requests; each message is judged by its embedded timestamp (staleness) and sequence (gaps,
 * duplicates per socket). At least one of the two is set.
 */
export interface ServerStream {
  /** JSON pointer to the message's timestamp, or null: no staleness measured. */
  timestamp: string | null;
  timestampUnit: TimestampUnit;
  /** JSON pointer to the message's sequence number, or null: no gap accounting. */
  sequence: string | null;
  binary: BinaryFrames;
}

/**
 * How a run's publishes are made, as one tagged type: wsload sends HTTP requests ("http"), messages
 * on a publisher socket ("websocket"), or the service pushes its own stream ("server"). It is a view
 * of `Scenario.publish` and `Scenario.stream`, which keep the shape reports carry (the report format
 * does not change with it): `publishMethodOf` (run/publish-methods/table.ts) derives it, and each
 * kind is one entry of that table. A method that sends has `publish`, the options every sender shares.
 */
export interface PublishMethodOptions {
  /** HTTP requests: the demo's GET (`request` null) or the scenario's request. */
  http: { publish: Publish; request: HttpPublishRequest | null };
  /** Messages on a publisher socket (`publish.via: "websocket"`). */
  websocket: { publish: Publish; socket: WebSocketPublish };
  /** The service's own stream (`publish.source: "server"`): nothing sent. */
  server: { stream: ServerStream };
}

export type PublishMethodKind = keyof PublishMethodOptions;
/** The method of one kind. */
export type PublishMethodOf<K extends PublishMethodKind> = { kind: K } & PublishMethodOptions[K];
export type PublishMethod = { [K in PublishMethodKind]: PublishMethodOf<K> }[PublishMethodKind];
/** Kinds where wsload sends the publishes (a sender in publisher/methods/): those with `publish` options. */
export type SendingKind = { [K in PublishMethodKind]: PublishMethodOptions[K] extends { publish: Publish } ? K : never }[PublishMethodKind];
export type SendingPublishMethod = PublishMethodOf<SendingKind>;

/** Socket.IO (Engine.IO 4 over WebSocket only): each socket connects to a namespace, optionally joins a room by an event. */
export interface SocketIoProtocol {
  name: 'socket.io';
  /** Namespace, starting with "/" ("/" is the main namespace). */
  namespace: string;
  /** Event names whose first argument is the pushed payload judged by publish.match. */
  events: string[];
  /** JSON text of the CONNECT packet's auth payload (placeholders filled per socket), or null. */
  auth: string | null;
  /** An event emitted after the namespace CONNECT (a room join), or null. */
  join: SocketIoJoin | null;
  /** How long the namespace CONNECT (and the join's ack) may take: then "subscribe-timeout". */
  timeoutMs: number;
}

export interface SocketIoJoin {
  event: string;
  /** JSON text of the event's arguments array (placeholders filled per socket, JSON-escaped). */
  args: string;
  /** Wait for the server's acknowledgement of the event before counting the socket subscribed. */
  ack: boolean;
}

/** MQTT over WebSocket (3.1.1 = version 4, or 5): CONNECT/CONNACK, SUBSCRIBE/SUBACK, PUBLISH, PINGREQ. */
export interface MqttProtocol {
  name: 'mqtt';
  /** Topic filters subscribed on every connection (placeholders filled per socket). */
  topics: string[];
  qos: 0 | 1;
  /** Keepalive declared in CONNECT; the client sends PINGREQ at this interval. 0: none. */
  keepaliveMs: number;
  /** Client id template ("{conn}" makes it unique per socket). */
  clientId: string;
  clean: boolean;
  version: 4 | 5;
  username: string | null;
  password: string | null;
  /** How long CONNACK and SUBACK may take: then "subscribe-timeout". */
  timeoutMs: number;
}

/** GraphQL subscriptions over graphql-ws (subprotocol "graphql-transport-ws"): connection_init, one subscribe, next messages. */
export interface GraphqlWsProtocol {
  name: 'graphql-ws';
  /** The subscription document (checked by graphql's parser at validation). */
  query: string;
  /** JSON text of the subscribe's variables (placeholders filled per socket, JSON-escaped), or null. */
  variables: string | null;
  operationName: string | null;
  /** JSON text of connection_init's payload (placeholders filled per socket), or null. */
  init: string | null;
  /** The client sends a ping after this much silence and closes when no pong follows within as long again; 0: none. */
  pingMs: number;
  /** How long connection_ack and the subscribe's round trip may take: then "subscribe-timeout". */
  timeoutMs: number;
}

/** The application protocol spoken over each socket; absent in a Scenario: plain WebSocket messages. */
export type Protocol = SocketIoProtocol | MqttProtocol | GraphqlWsProtocol;
export type ProtocolName = Protocol['name'];

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
}

export interface ReportOptions {
  /** Interval of the .ndjson timeline and .hlog histogram log. */
  intervalMs: number;
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
