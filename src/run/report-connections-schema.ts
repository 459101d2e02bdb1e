/** How sockets ended and came back (report `connections`, `disconnects`, `reconnects`, `idleTimeout`): causes, reasons and their stats. */
import { z } from 'zod';
import { count, counts, ms, percentileSetSchema } from './report-schema-units.js';

/** Why a handshake failed; every reason wsload has ever written (reports of any version read). */
export const connectFailureReasonSchema = z.union([
  z.enum([
    'refused',
    'timeout',
    'reset',
    'dns',
    'address-in-use',
    /* Binding the source address failed (EADDRNOTAVAIL): a localAddresses entry not on this machine. */
    'address-not-available',
    'too-many-open-files',
    'cert-untrusted',
    'cert-hostname-mismatch',
    'cert-expired',
    /* The server asked for a client certificate (mutual TLS) and none was sent. */
    'client-cert-required',
    'tls-protocol',
    /* The server answered 101 but wrongly (bad Sec-WebSocket-Accept, a subprotocol not offered…). */
    'bad-upgrade',
    /* target.open: no acknowledgement within the step's timeout. */
    'subscribe-timeout',
    /* target.open: a reply matched the step's reject match. */
    'subscribe-rejected',
    /* target.open: the server closed the socket before the last acknowledgement. */
    'subscribe-closed',
    /* protocol: the server answered in another protocol or version (no Engine.IO open packet, no CONNACK, a refused version). */
    'protocol-mismatch',
    'other',
  ]),
  z.templateLiteral(['http-', z.number()]),
]);

export const closeCauseSchema = z
  .enum(['server-close', 'client-close', 'connection-lost', 'protocol-error'])
  .describe(
    'Who ended a socket: server-close (a close frame from the server), client-close (wsload or its WebSocket library), ' +
      'connection-lost (the TCP connection ended with no close frame, 1006: idle timeout, reset, crash), ' +
      'protocol-error (the client found the peer breaking the protocol and closed).',
  );
export const byCauseSchema = z.partialRecord(closeCauseSchema, count);

export const disconnectStatsShape = {
  total: count,
  byCode: counts,
  byCause: byCauseSchema,
  byError: counts.describe('errno-style error seen at close (ECONNRESET, EPIPE, …) → count.'),
  idleAtCloseMs: percentileSetSchema.describe('Time since the last frame received, at close.'),
  sentIdleAtCloseMs: percentileSetSchema.describe('Time since the last frame sent, at close.'),
  ageAtCloseMs: percentileSetSchema,
};
export const disconnectStatsSchema = z.object(disconnectStatsShape);

export const reconnectStatsShape = {
  total: count,
  downMs: ms.describe('Total time sockets spent disconnected while waiting to reconnect.'),
  missedPublishes: count.describe('Publishes that a socket missed because it was down (not counted in fanout.lost).'),
};
export const reconnectStatsSchema = z.object(reconnectStatsShape);

export const dropEventSchema = z
  .object({
    startMs: ms.describe('First close, ms since the run started.'),
    startedAt: z.string().describe('First close, ISO wall-clock time.'),
    endMs: ms.describe('Last close, ms since the run started.'),
    count,
    byCause: byCauseSchema,
    byCode: counts,
    openBefore: count.describe('Sockets open (all workers) just before the first close.'),
    lowestOpen: count.describe('Fewest sockets open from the first close until recovery (or the end of the hold).'),
    recoveryMs: ms
      .nullable()
      .describe(
        'First close → open count back to openBefore (less 1%), sampled every 100 ms; null if not during the hold, or openBefore was 0.',
      ),
    idleTimeoutCut: z
      .boolean()
      .optional()
      .describe(
        'True when most of its closes were a cut judged an idle timeout (only idle sockets taken, while sockets active within the timeout survived); absent in older reports.',
      ),
  })
  .describe(
    'Closes that came together in wall-clock time (a restart, a rollout, a mass drop): at least max(5, 1% of connections) closes within 1 s ' +
      'open one (closes more than 250 ms before the rest are not part of it), and it lasts while closes keep coming less than 1 s apart and at least half that densely.',
  );

export const idleTimeoutScreeningSchema = z
  .object({
    samples: count.describe(
      "Closes without a close frame, of sockets not receiving traffic on a schedule, in cuts judged an idle timeout: the estimator's input.",
    ),
    closeFrame: count.describe('The server sent a close frame (it closed on purpose; an idle timeout sends none).'),
    clientSide: count.describe('wsload or its WebSocket library ended the socket (protocol error, ping flood protection).'),
    receivingTraffic: count.describe(
      'No close frame, but idle for no longer than 2 × the interval at which the socket received publishes or pongs.',
    ),
    tookActive: count
      .optional()
      .describe(
        'No close frame, but cut together with sockets active within its idle time (idle times further apart than twice max(250 ms, 10 %): a restart or a mass drop takes every socket, a timeout only idle ones). Absent in older reports.',
      ),
    idleSurvived: count
      .optional()
      .describe(
        'No close frame, but sockets idle longer than it stayed open (a timeout of that length would have cut them too). Absent in older reports.',
      ),
    unconfirmed: count
      .optional()
      .describe(
        'No close frame, but cut with no socket active within its idle time left open to show the cut was selective, and not one by one as the sockets went quiet ' +
          '(a restart looks the same; a pinging cohort tells them apart). Absent in older reports.',
      ),
    inDropEvent: count
      .optional()
      .describe(
        "Older reports only: no close frame, but part of a drop event in a cohort that received traffic, or whose closes did not follow each socket's own idle time.",
      ),
  })
  .describe(
    "Why a cohort's closes were or were not taken as idle-timeout samples (one rule for every cluster of closes: docs/idle-timeout.md).",
  );

export const idleTimeoutSchema = z.object({
  estimateMs: ms,
  spreadMs: ms.describe('Width of the cluster the estimate was taken from (p95 − p5 of its members).'),
  samples: count,
  cohort: z.string(),
});
