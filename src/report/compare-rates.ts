/**
 * The counters compare judges and how: each as a rate over its exposure (lost per expected
 * delivery, failed per attempt, closes per socket-hour), the policies where any occurrence fails,
 * and the close causes judged as rates (their rows are made in compare-counters.ts).
 */
import type { MetricDirection } from '../metrics/names.js';
import type { CloseCause, Report } from '../run/report.js';

/** Relative tolerance of a rate: within ±10% of the other run's rate counts as the same. */
export const RATE_TOLERANCE = 0.1;

/** A counter judged as a rate: its events and exposure in a report. */
export interface RateSpec {
  metric: string;
  /** Events whose rate is judged; for a higher-is-better counter, its misses (not opened, not delivered). */
  events: (r: Report) => number;
  exposure: (r: Report) => number;
  /** What the rate is per, and the scale it is shown at. */
  per: string;
  scale: number;
  /** A row a regression gate looks at by default. */
  gate: boolean;
}

const HOUR_MS = 3_600_000;

/** Socket-hours of a run's hold (peak open × hold): the exposure of drops. */
export const socketHours = (r: Report): number => (r.connections.peakOpen * r.phases.holdMs) / HOUR_MS;

const unsent = (r: Report): number => r.publish.skipped;

/** Counters judged as rates; their displayed value is the count itself (mean per run with several). */
export const RATES: readonly RateSpec[] = [
  {
    metric: 'connections.firstOpened',
    events: (r) => Math.max(0, r.connections.target - (r.connections.firstOpened ?? r.connections.opened - r.reconnects.total)),
    exposure: (r) => r.connections.target,
    per: 'per 1,000 sockets not opened',
    scale: 1000,
    gate: false,
  },
  {
    metric: 'connections.failed',
    events: (r) => r.connections.failed,
    exposure: (r) => r.connections.opened + r.connections.failed,
    per: 'per 1,000 attempts',
    scale: 1000,
    gate: true,
  },
  {
    metric: 'fanout.delivered',
    events: (r) => Math.max(0, r.fanout.expected - r.fanout.delivered),
    exposure: (r) => r.fanout.expected,
    per: 'per 1,000 expected not delivered',
    scale: 1000,
    gate: false,
  },
  {
    metric: 'fanout.lost',
    events: (r) => r.fanout.lost,
    exposure: (r) => r.fanout.expected,
    per: 'per 1,000 expected deliveries',
    scale: 1000,
    gate: true,
  },
  {
    metric: 'fanout.duplicated',
    events: (r) => r.fanout.duplicated,
    exposure: (r) => r.fanout.delivered,
    per: 'per 1,000 deliveries',
    scale: 1000,
    gate: true,
  },
  {
    metric: 'fanout.outOfOrder',
    events: (r) => r.fanout.outOfOrder,
    exposure: (r) => r.fanout.delivered,
    per: 'per 1,000 deliveries',
    scale: 1000,
    gate: true,
  },
  { metric: 'disconnects.total', events: (r) => r.disconnects.total, exposure: socketHours, per: 'per socket-hour', scale: 1, gate: false },
  { metric: 'reconnects.total', events: (r) => r.reconnects.total, exposure: socketHours, per: 'per socket-hour', scale: 1, gate: false },
  {
    metric: 'publish.failed',
    events: (r) => r.publish.failed,
    exposure: (r) => r.publish.sent,
    per: 'per 1,000 publishes sent',
    scale: 1000,
    gate: true,
  },
  {
    metric: 'publish.skipped',
    events: unsent,
    exposure: (r) => r.publish.sent + unsent(r),
    per: 'per 1,000 publishes due',
    scale: 1000,
    gate: true,
  },
  {
    metric: 'publish.queued',
    events: (r) => r.publish.queued ?? 0,
    exposure: (r) => r.publish.sent,
    per: 'per 1,000 publishes sent',
    scale: 1000,
    gate: false,
  },
  {
    metric: 'stream.missing',
    events: (r) => r.stream?.missing ?? 0,
    exposure: (r) => (r.stream?.messages ?? 0) + (r.stream?.missing ?? 0),
    per: 'per 1,000 stream messages',
    scale: 1000,
    gate: true,
  },
  {
    metric: 'stream.duplicated',
    events: (r) => r.stream?.duplicated ?? 0,
    exposure: (r) => r.stream?.messages ?? 0,
    per: 'per 1,000 stream messages',
    scale: 1000,
    gate: true,
  },
  {
    metric: 'stream.outOfOrder',
    events: (r) => r.stream?.outOfOrder ?? 0,
    exposure: (r) => r.stream?.messages ?? 0,
    per: 'per 1,000 stream messages',
    scale: 1000,
    gate: true,
  },
];

/** Rows where any occurrence after none before is a regression: policies, not statistics. */
export const POLICIES: readonly { metric: string; counter: string; text: string }[] = [
  { metric: 'fanout.lost.any', counter: 'fanout.lost', text: 'policy: no delivery lost' },
  { metric: 'fanout.misrouted', counter: 'fanout.misrouted', text: "policy: no copy of a topic's publish to a socket outside it" },
  { metric: 'fanout.idMismatch', counter: 'fanout.idMismatch', text: "policy: no message with another publish's id" },
  { metric: 'stream.missing.any', counter: 'stream.missing', text: 'policy: no stream message missing' },
];

export const CAUSES: readonly { cause: CloseCause; direction: MetricDirection; text: string }[] = [
  { cause: 'connection-lost', direction: 'lower-is-better', text: 'closed with no close frame (1006): idle timeout, reset' },
  { cause: 'server-close', direction: 'lower-is-better', text: 'closed by the server (close frame)' },
  { cause: 'protocol-error', direction: 'lower-is-better', text: 'closed on a protocol error' },
  { cause: 'client-close', direction: 'neutral', text: 'closed by wsload itself' },
];
