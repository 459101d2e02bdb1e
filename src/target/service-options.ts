/**
 * What the push service (src/target/service.ts) is started with and what it counts, and the
 * address and tokens the shipped real-service scenarios use.
 */
/** The publish token of the shipped scenarios (a placeholder they tell users to replace). */
export const SHIPPED_PUBLISH_TOKEN = 'change-me';
/** Port the shipped real-service scenarios address (ws://127.0.0.1:8080/…). */
export const SHIPPED_SERVICE_PORT = 8080;
/** The stream server-stream.json subscribes to: topic `prices`, 10 messages a second. */
export const SHIPPED_STREAM = { topic: 'prices', intervalMs: 100 } as const;

/** Options of startService; all optional. */
export interface ServiceOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Tokens accepted on the upgrade; undefined: no token needed. */
  tokens?: readonly string[];
  /** Bearer token the publish API requires (default SHIPPED_PUBLISH_TOKEN). */
  publishToken?: string;
  /** A socket without `?topic=` must subscribe by message before it gets pushes (default true); false: it gets every topic. */
  requireSubscribe?: boolean;
  /** Answer subscribes with the ack (default true); false: silence, for ack-timeout tests. */
  ack?: boolean;
  /** Delay before each ack, ms (default 0). */
  ackDelayMs?: number;
  /** Topics whose subscribe is answered with `{"type":"error"}`. */
  refuseTopics?: readonly string[];
  /** Send pushes as binary frames (UTF-8 JSON bytes) instead of text (default false). */
  binary?: boolean;
  /** Builds each push's text instead of the default `{"type":"event","data":{…}}` shape. */
  pushText?: (data: Record<string, unknown>) => string;
  /** A routing bug: every topic's pushes go to every socket subscribed to any topic (default false). */
  misroute?: boolean;
  /** The server's own stream, or null (default): none. */
  stream?: { topic: string; intervalMs: number } | null;
  /** Keep every text message each socket sent, for received() (default false: memory grows with them). */
  recordMessages?: boolean;
}

/** The service's counts, as `GET /admin/stats` answers them. */
export interface ServiceStats {
  open: number;
  accepted: number;
  refused: number;
  subscribed: number;
  publishes: number;
  delivered: number;
  byTopic: Record<string, number>;
}
