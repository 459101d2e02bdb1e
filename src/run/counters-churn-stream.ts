/**
 * Counters of the registry, second part: disconnects, reconnects, a server stream's accounting, then
 * counters added later to any section (kept after the others: COUNTERS' order is the order
 * thresholds and compare list them).
 */
import { clockUncertaintyOf, cohortSum, counter, type CounterDef } from './counter-def.js';

export const CHURN_STREAM_LATER_COUNTERS: readonly CounterDef[] = [
  counter({
    path: 'disconnects.total',
    description: 'sockets that closed before the end of the run',
    direction: 'lower-is-better',
    get: (r) => r.disconnects.total,
    base: 'connections.opened',
    prom: {
      name: 'wsload_disconnects_total',
      type: 'counter',
      help: 'sockets that closed before the end of the run, by cause and cohort',
      labels: ['cause', 'cohort'],
      live: (c, at) => c.cohorts[at.cohort]?.byCause[at.cause] ?? 0,
      report: 'disconnects.byCohort[cohort].byCause[cause] (summed: disconnects.total)',
    },
  }),
  counter({
    path: 'reconnects.total',
    description: 'reconnections made',
    direction: 'lower-is-better',
    get: (r) => r.reconnects.total,
    prom: { name: 'wsload_reconnects_total', type: 'counter', live: (c) => cohortSum(c, 'reconnects') },
  }),
  counter({
    path: 'reconnects.missedPublishes',
    description: 'publishes missed while a socket was down',
    direction: 'lower-is-better',
    get: (r) => r.reconnects.missedPublishes,
  }),
  // The same count as a share of what was due had no socket been down, so that a soak can gate on
  // it like on fanout.lost ("< 0.01%"): missed deliveries are in neither fanout.expected nor lost.
  counter({
    path: 'fanout.missed',
    description:
      'deliveries missed while a socket was down reconnecting (reconnects.missedPublishes; in neither fanout.expected nor fanout.lost)',
    direction: 'lower-is-better',
    get: (r) => r.reconnects.missedPublishes,
    base: 'fanout.due',
    merge: 'derived',
    prom: {
      name: 'wsload_missed_total',
      type: 'counter',
      live: (c) => cohortSum(c, 'missedPublishes'),
      report: 'fanout.missed (reconnects.missedPublishes)',
    },
  }),
  // A server-originated stream (publish.source "server"); 0 in reports without the section.
  counter({
    path: 'stream.messages',
    description: 'stream messages judged (timestamp and sequence readable)',
    direction: 'neutral',
    get: (r) => r.stream?.messages ?? 0,
  }),
  counter({
    path: 'stream.gaps',
    description: "times a socket's stream sequence jumped ahead",
    direction: 'lower-is-better',
    get: (r) => r.stream?.gaps ?? 0,
    base: 'stream.messages',
  }),
  counter({
    path: 'stream.missing',
    description: 'stream sequence numbers skipped and never received',
    direction: 'lower-is-better',
    get: (r) => r.stream?.missing ?? 0,
    base: 'stream.messages',
  }),
  counter({
    path: 'stream.duplicated',
    description: 'stream messages a socket had already received',
    direction: 'lower-is-better',
    get: (r) => r.stream?.duplicated ?? 0,
    base: 'stream.messages',
  }),
  counter({
    path: 'stream.outOfOrder',
    description: "stream messages older than the socket's newest, not received before",
    direction: 'lower-is-better',
    get: (r) => r.stream?.outOfOrder ?? 0,
    base: 'stream.messages',
  }),
  counter({
    path: 'stream.unmatched',
    description: 'stream messages without a readable timestamp or sequence',
    direction: 'lower-is-better',
    get: (r) => r.stream?.unmatched ?? 0,
  }),
  counter({
    path: 'stream.negative',
    description: "stream messages stamped later than their receipt (the service's clock ahead)",
    direction: 'neutral',
    get: (r) => r.stream?.negative ?? 0,
  }),
  counter({
    path: 'stream.ahead',
    description: 'stream messages stamped more than 10 ms after their receipt: staleness unknown, not judged',
    direction: 'lower-is-better',
    get: (r) => r.stream?.ahead ?? 0,
    base: 'stream.messages',
  }),
  counter({
    path: 'stream.staleCapped',
    description: 'stream messages stamped more than 365 days before their receipt (staleness recorded as 365 days)',
    direction: 'lower-is-better',
    get: (r) => r.stream?.staleCapped ?? 0,
    base: 'stream.messages',
  }),
  // Counters merge reads but users do not name (yet): adding `metric: true` makes them thresholds.
  counter({
    path: 'stream.aheadMaxMs',
    description: "largest amount a stream timestamp was ahead of its receipt (the service's clock ahead)",
    unit: 'ms',
    direction: 'neutral',
    get: (r) => r.stream?.aheadMaxMs ?? 0,
    metric: false,
    merge: 'max',
  }),
  counter({
    path: 'fanout.earlyMaxMs',
    description: 'how far before its scheduled time the earliest delivery came',
    unit: 'ms',
    direction: 'lower-is-better',
    get: (r) => r.fanout.earlyMaxMs ?? 0,
    metric: false,
    merge: 'max',
  }),
  // Fan-out and completion latency are known within ± this; compare widens its intervals by it.
  counter({
    path: 'clock.uncertaintyMs',
    description: 'how far fan-out and completion latency can be off from the clocks receipts were timed on',
    unit: 'ms',
    direction: 'lower-is-better',
    get: clockUncertaintyOf,
    metric: false,
    merge: 'max',
  }),
  counter({
    path: 'fanout.due',
    description: 'deliveries due had every socket stayed up: fanout.expected + fanout.missed',
    direction: 'neutral',
    get: (r) => r.fanout.expected + r.reconnects.missedPublishes,
    metric: false,
    merge: 'derived',
  }),
  counter({
    path: 'connections.target',
    description: 'sockets the scenario asked for',
    direction: 'neutral',
    get: (r) => r.connections.target,
    metric: false,
  }),
  counter({
    path: 'connections.openAtEnd',
    description: 'sockets open when the hold ended',
    direction: 'neutral',
    get: (r) => r.connections.openAtEnd,
    metric: false,
    prom: {
      name: 'wsload_sockets_open',
      type: 'gauge',
      help: 'sockets open now, all workers',
      live: (c) => c.open,
      report: 'connections.openAtEnd (at the end of the hold; 0 once wsload closed its sockets)',
    },
  }),
  counter({
    path: 'fanout.unmatched',
    description: 'messages with no recognisable sequence number',
    direction: 'neutral',
    get: (r) => r.fanout.unmatched,
    metric: false,
  }),
  counter({
    path: 'publish.maxQueueMs',
    description: 'longest wait for a publish request slot',
    unit: 'ms',
    direction: 'lower-is-better',
    get: (r) => r.publish.maxQueueMs ?? 0,
    metric: false,
    merge: 'max',
  }),
  counter({
    path: 'reconnects.downMs',
    description: 'time sockets spent disconnected waiting to reconnect',
    unit: 'ms',
    direction: 'lower-is-better',
    get: (r) => r.reconnects.downMs,
    metric: false,
  }),
];
