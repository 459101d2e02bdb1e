/** Counters of the registry, first part: handshakes (`connections`), deliveries (`fanout`) and the publisher (`publish`), in listing order. */
import { counter, type CounterDef, firstOpened } from './counter-def.js';

export const CONNECTION_FANOUT_PUBLISH_COUNTERS: readonly CounterDef[] = [
  // Reconnects inflate `opened`: 150 drops + reconnects must not read as "more opened, better". Kept
  // for old thresholds, but neutral; `connections.firstOpened` is the one judged.
  counter({
    path: 'connections.opened',
    description: 'successful handshakes, reconnects included',
    direction: 'neutral',
    get: (r) => r.connections.opened,
    prom: {
      name: 'wsload_connects_total',
      type: 'counter',
      help: 'handshakes by result: ok (reconnects included) or failed',
      fixed: { result: 'ok' },
      live: (c) => c.opened,
    },
  }),
  counter({
    path: 'connections.firstOpened',
    description: 'sockets whose first connection succeeded (reconnects not counted)',
    direction: 'higher-is-better',
    get: firstOpened,
    base: 'connections.target',
  }),
  // Sockets the stages brought back after a ramp-down are neither first opens nor reconnects.
  counter({
    path: 'connections.reconnected',
    description: 'successful reconnect handshakes',
    direction: 'lower-is-better',
    get: (r) => r.connections.opened - firstOpened(r) - (r.connections.reopened ?? 0),
    merge: 'derived',
  }),
  counter({
    path: 'connections.failed',
    description: 'failed handshakes, reconnect attempts included',
    direction: 'lower-is-better',
    get: (r) => r.connections.failed,
    base: 'connections.target',
    prom: { name: 'wsload_connects_total', type: 'counter', fixed: { result: 'failed' }, live: (c) => c.failed },
  }),
  // Summed over side-by-side runs it is an upper bound (merge says so in a warning).
  counter({
    path: 'connections.peakOpen',
    description: 'most sockets open at once',
    direction: 'higher-is-better',
    get: (r) => r.connections.peakOpen,
  }),
  counter({
    path: 'fanout.published',
    description: 'publishes sent during the hold',
    direction: 'neutral',
    get: (r) => r.fanout.published,
    prom: {
      name: 'wsload_published_total',
      type: 'counter',
      help: 'publishes answered OK during the hold',
      live: (c) => c.publisher?.ok ?? 0,
    },
  }),
  counter({
    path: 'fanout.expected',
    description: 'deliveries due (eligible socket × publish pairs)',
    direction: 'neutral',
    get: (r) => r.fanout.expected,
  }),
  counter({
    path: 'fanout.delivered',
    description: 'deliveries received before the deadline',
    direction: 'higher-is-better',
    get: (r) => r.fanout.delivered,
    prom: {
      name: 'wsload_deliveries_total',
      type: 'counter',
      help: (d) => `${d}; with publish.source "server", stream messages judged`,
      // A server stream's judged messages are its deliveries (it has no publishes).
      live: (c) => c.delivery.delivered + (c.stream?.messages ?? 0),
      report: 'fanout.delivered (a server stream: stream.messages)',
    },
  }),
  counter({
    path: 'fanout.lost',
    description: 'deliveries due but not received before the deadline',
    direction: 'lower-is-better',
    get: (r) => r.fanout.lost,
    base: 'fanout.expected',
    prom: { name: 'wsload_lost_total', type: 'counter', live: (c) => c.delivery.lost },
  }),
  // The reasons of `lost` (with fanout.late): older reports counted every loss that was not late on an open socket.
  counter({
    path: 'fanout.lostBeforeClose',
    description:
      'deliveries owed by a connection that closed without them (sent while it was subscribed, at least 250 ms before the close)',
    direction: 'lower-is-better',
    get: (r) => r.fanout.lostBeforeClose ?? 0,
    base: 'fanout.expected',
  }),
  counter({
    path: 'fanout.lostOpen',
    description: "deliveries due to a connection still open at the publish's deadline that never arrived",
    direction: 'lower-is-better',
    get: (r) => r.fanout.lostOpen ?? Math.max(0, r.fanout.lost - r.fanout.late),
    base: 'fanout.expected',
  }),
  counter({
    path: 'fanout.duplicated',
    description: 'messages received more than once by a socket',
    direction: 'lower-is-better',
    get: (r) => r.fanout.duplicated,
    base: 'fanout.delivered',
  }),
  counter({
    path: 'fanout.outOfOrder',
    description: 'messages received after a later one',
    direction: 'lower-is-better',
    get: (r) => r.fanout.outOfOrder,
    base: 'fanout.delivered',
  }),
  // Each process counts the others' pushes as foreign: summed, they say how much was shared.
  counter({
    path: 'fanout.foreign',
    description: 'messages of another run against the same target (not counted anywhere else)',
    direction: 'lower-is-better',
    get: (r) => r.fanout.foreign ?? 0,
  }),
  counter({
    path: 'fanout.idMismatch',
    description: "this run's messages whose pushed id differed from the publish's",
    direction: 'lower-is-better',
    get: (r) => r.fanout.idMismatch ?? 0,
    base: 'fanout.expected',
  }),
  // Its own failure (verdict.ts): a misrouted copy leaves every other count intact, so nothing else shows it.
  counter({
    path: 'fanout.misrouted',
    description: "copies of a topic's publish received by a socket not in that topic (not delivered, not lost)",
    direction: 'lower-is-better',
    get: (r) => r.fanout.misrouted ?? 0,
  }),
  counter({
    path: 'fanout.late',
    description: 'first copies received after the deadline (also counted lost)',
    direction: 'lower-is-better',
    get: (r) => r.fanout.late,
  }),
  // Receipts before their scheduled time: a remote agent's clock offset was wrong (report/clock-bound.ts).
  counter({
    path: 'fanout.early',
    description: "deliveries received before their publish's scheduled time (a wrong clock offset)",
    direction: 'lower-is-better',
    get: (r) => r.fanout.early ?? 0,
    base: 'fanout.delivered',
  }),
  // Owed by a worker or shard lost mid-run after its last snapshot: counted in lost, fate unknown.
  counter({
    path: 'fanout.unconfirmed',
    description: 'deliveries lost workers or shards owed after their last snapshot, counted lost (an upper bound)',
    direction: 'lower-is-better',
    get: (r) => r.fanout.unconfirmed ?? 0,
    base: 'fanout.expected',
  }),
  // Rare, so written only when some came (report/build/fanout.ts): copies of publishes older than the ring.
  counter({
    path: 'fanout.unjudged',
    description: "copies of this run's publishes received after their publish had left the publish ring (too late to judge)",
    direction: 'lower-is-better',
    get: (r) => r.fanout.unjudged ?? 0,
    onlyWhenAny: true,
  }),
  // A worker stalled past its ring's window: those publishes' lost is not booked (a lower bound).
  counter({
    path: 'fanout.unevaluated',
    description: "publishes that left a worker's publish ring before it evaluated them (their sockets that never got them not booked)",
    direction: 'lower-is-better',
    get: (r) => r.fanout.unevaluated ?? 0,
    base: 'fanout.published',
    onlyWhenAny: true,
  }),
  counter({
    path: 'fanout.incomplete',
    description: 'publishes not delivered to every eligible socket',
    direction: 'lower-is-better',
    get: (r) => r.fanout.incomplete,
    base: 'fanout.published',
  }),
  counter({
    path: 'publish.sent',
    description: 'publish requests made, failed ones included',
    direction: 'neutral',
    get: (r) => r.publish.sent,
  }),
  // `sent` already counts the failed requests: sent + failed read 100% failing as 50%.
  counter({
    path: 'publish.failed',
    description: 'publish requests that failed',
    direction: 'lower-is-better',
    get: (r) => r.publish.failed,
    base: 'publish.sent',
    prom: { name: 'wsload_publish_failures_total', type: 'counter', live: (c) => c.publisher?.failed ?? 0 },
  }),
  counter({
    path: 'publish.aborted',
    description: 'publish requests cut in flight by an interrupt (not failures)',
    direction: 'neutral',
    get: (r) => r.publish.aborted ?? 0,
  }),
  counter({
    path: 'publish.skipped',
    description: 'publishes never sent: the queue waiting for a request slot was full, or the hold ended',
    direction: 'lower-is-better',
    get: (r) => r.publish.skipped,
  }),
  counter({
    path: 'publish.queued',
    description: 'publishes that waited for a free request slot',
    direction: 'lower-is-better',
    get: (r) => r.publish.queued ?? 0,
  }),
];
