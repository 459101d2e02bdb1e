/** The normalized publish side of a Scenario: what is published and how (HTTP, publisher socket, protocol), load stages, topics, a server stream. */

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
  /** Present when publishes go through the scenario's protocol on a publisher connection (`publish.via: "protocol"`). */
  protocol?: ProtocolPublish;
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

/**
 * A publish through the scenario's protocol, on one publisher connection to the target's URL that
 * speaks the protocol's handshake (with the scenario's protocol options): an MQTT PUBLISH, a
 * Socket.IO emit, or a GraphQL mutation over graphql-ws. `message` is the payload (MQTT), the
 * event's one argument (Socket.IO) or the mutation's variables (graphql-ws, a JSON object).
 */
export type ProtocolPublish = { message: PublishBody } & (
  | {
      name: 'mqtt';
      /** Topic template ("{topic}" is the publish's topic). */ topic: string;
      /** 1: the PUBACK is the publish's "handled" moment. */ qos: 0 | 1;
    }
  | {
      name: 'socket.io';
      /** The event emitted with `message` as its argument. */ event: string;
      /** Ask for the server's acknowledgement and wait for it. */ ack: boolean;
    }
  | { name: 'graphql-ws'; /** The mutation document; `next` then `complete` is its result. */ query: string; operationName: string | null }
  | {
      name: 'stomp';
      /** SEND destination template ("{topic}" is the publish's topic). */ destination: string;
      /** Ask for a RECEIPT per SEND: it is the publish's "handled" moment. */ receipt: boolean;
    }
);

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
  /** Through the scenario's protocol on a publisher connection (`publish.via: "protocol"`). */
  protocol: { publish: Publish; through: ProtocolPublish };
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
