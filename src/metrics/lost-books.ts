/**
 * Closing the books of a worker that never evaluated some publishes. A worker counts a receipt as
 * delivered when it arrives, but a publish's expected and lost only when it evaluates it, a
 * deadline later; a worker lost in between (its thread crashed, its agent killed or silent, its
 * final tick never came) leaves receipts without their expected, and `delivered` exceeded
 * `expected`. Its last snapshot carries the books of what it had seen (OwedBooks); the driver's
 * ring says what was published after that. From both:
 *
 * - publishes it had seen: the sockets that owed them (counted when it saw them) are expected;
 *   those it had not reported receiving are lost;
 * - publishes sent after its last snapshot, until it was declared lost: each is owed by the
 *   sockets it had subscribed at that snapshot, none reported received, all lost;
 * - a failed publish request (the target may never have had it) is owed only by its receipts, as
 *   evaluation says; one still unanswered when the worker was lost waits for its answer.
 *
 * The lost deliveries that were not seen arriving late are `unconfirmed`: their fate is unknown
 * (some may have arrived with nobody left to count them), an upper bound on what the target failed
 * to deliver, and said so in the report. A worker that finished but left publishes unevaluated (an
 * interrupted run, a publish request never answered) books only what it received of them: its
 * sockets still waiting are not counted, as the run's interrupt warning says.
 */
import { IN_FLIGHT_FIELDS, type OwedBooks } from '../run/delivery-counters.js';
import { head, slotOf, PUBLISH_FAILED, PUBLISH_PENDING, type PublishRing } from '../run/publish-ring.js';

/** What the run books for a worker beyond its own counters, per topic index (one entry without topics). */
export interface BookAdds {
  expected: number[];
  lost: number[];
  /** Of `lost`, the deliveries owed after the worker's last snapshot that nobody saw arrive. */
  unconfirmed: number;
}

/** The books of a worker lost mid-run, closed when it was declared lost. */
export interface LostBooks extends BookAdds {
  /** Publishes whose request was still unanswered: (seq, topic, owed, delivered, late), settled when answered. */
  deferred: number[];
  /** Publishes after its last snapshot whose record had left the ring (not booked: their topic and outcome are unknown). */
  unknown: number;
  /** Publishes it owed for: (fromSeq, toSeq]; empty when fromSeq = toSeq. */
  fromSeq: number;
  toSeq: number;
}

function zeros(n: number): number[] {
  return new Array<number>(Math.max(1, n)).fill(0);
}

/** Books one publish of known outcome: owed by `owed` sockets, of which `delivered` on time and `late` late. */
function book(into: BookAdds, ok: boolean, topic: number, owed: number, delivered: number, late: number): void {
  const t = topic < into.expected.length ? topic : 0;
  const due = ok ? Math.max(owed, delivered + late) : delivered + late;
  into.expected[t] += due;
  into.lost[t] += due - delivered;
  into.unconfirmed += due - delivered - late;
}

/**
 * Closes the books of a worker declared lost when the driver's ring head was `lastSeq`, from its
 * last snapshot's OwedBooks (null: it never sent one, so nothing it owed is known: no socket of it
 * was known to be subscribed).
 */
export function closeLostBooks(owed: OwedBooks | null, ring: PublishRing, topics: number, lastSeq = head(ring)): LostBooks {
  const books: LostBooks = { expected: zeros(topics), lost: zeros(topics), unconfirmed: 0, deferred: [], unknown: 0, fromSeq: 0, toSeq: 0 };
  if (owed === null) return books;
  books.fromSeq = owed.evaluatedUpTo;
  books.toSeq = Math.max(owed.seenUpTo, lastSeq);
  owed.owed.forEach((n, t) => {
    if (t >= books.expected.length) return;
    books.expected[t] += n;
    books.lost[t] += n - owed.delivered[t];
    books.unconfirmed += n - owed.delivered[t] - owed.late[t];
  });
  books.deferred = owed.inFlight.slice(0, owed.inFlight.length - (owed.inFlight.length % IN_FLIGHT_FIELDS));
  for (let seq = owed.seenUpTo + 1; seq <= lastSeq; seq++) {
    const slot = slotOf(ring, seq);
    if (slot < 0) {
      books.unknown++;
      continue;
    }
    const t = ring.topic[slot] < books.expected.length ? ring.topic[slot] : 0;
    books.deferred.push(seq, t, owed.subscribed[t] ?? 0, 0, 0);
  }
  settleDeferred(books, ring);
  return books;
}

/**
 * Books the deferred publishes whose request has been answered since. One whose record has left
 * the ring was announced and sent (the worker saw it or the ring had it): it is booked as owed.
 */
export function settleDeferred(books: LostBooks, ring: PublishRing): void {
  if (books.deferred.length === 0) return;
  const left: number[] = [];
  const d = books.deferred;
  for (let i = 0; i + IN_FLIGHT_FIELDS <= d.length; i += IN_FLIGHT_FIELDS) {
    const seq = d[i];
    const slot = slotOf(ring, seq);
    const status = slot >= 0 ? Atomics.load(ring.status, slot) : -1;
    if (status === PUBLISH_PENDING) left.push(...d.slice(i, i + IN_FLIGHT_FIELDS));
    else book(books, status !== PUBLISH_FAILED, d[i + 1], d[i + 2], d[i + 3], d[i + 4]);
  }
  books.deferred = left;
}

/**
 * What a lost worker's books add as they stand: publishes still unanswered count only their
 * receipts (a request never answered is not counted, like the publisher's own in-flight ones).
 */
export function lostAdds(books: LostBooks): BookAdds {
  const out: BookAdds = { expected: [...books.expected], lost: [...books.lost], unconfirmed: books.unconfirmed };
  const d = books.deferred;
  for (let i = 0; i + IN_FLIGHT_FIELDS <= d.length; i += IN_FLIGHT_FIELDS) book(out, false, d[i + 1], d[i + 2], d[i + 3], d[i + 4]);
  return out;
}

/**
 * What a worker that finished with publishes unevaluated adds: their receipts only (expected
 * += delivered + late, lost += late); the sockets still waiting are not counted.
 */
export function receiptAdds(owed: OwedBooks | null, topics: number): BookAdds {
  const out: BookAdds = { expected: zeros(topics), lost: zeros(topics), unconfirmed: 0 };
  if (owed === null) return out;
  owed.delivered.forEach((n, t) => book(out, false, t, 0, n, owed.late[t]));
  const f = owed.inFlight;
  for (let i = 0; i + IN_FLIGHT_FIELDS <= f.length; i += IN_FLIGHT_FIELDS) book(out, false, f[i + 1], f[i + 2], f[i + 3], f[i + 4]);
  return out;
}
