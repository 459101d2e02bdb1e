/**
 * Shared memory through which the publisher (main thread) tells workers about each publish: its
 * scheduled and actual send times and whether the request succeeded. Workers read it on every
 * receipt without a message round-trip, so latency is measured against the publisher's own clock
 * reading. The ring also holds the process-wide open-socket count and its peak, kept exact with
 * atomics.
 *
 * Write order matters: times first, then the slot's sequence number, then the head. A reader that
 * sees seqAt[slot] === seq can trust the times of that slot.
 */

export const PUBLISH_PENDING = 0;
export const PUBLISH_OK = 1;
export const PUBLISH_FAILED = 2;

const HEAD = 0; // highest seq written
const OPEN = 1; // sockets open now, all workers
const PEAK = 2; // highest OPEN seen
const HEADER_INTS = 4;

export interface PublishRing {
  readonly buffer: SharedArrayBuffer;
  readonly size: number;
  readonly header: Int32Array;
  readonly seqAt: Int32Array;
  readonly status: Int32Array;
  readonly scheduledMs: Float64Array;
  readonly sentMs: Float64Array;
  /** When the publish request was answered, 0 until then. */
  readonly ackMs: Float64Array;
  /** Topic index of the publish (0 without topics): workers judge eligibility by it without a message. */
  readonly topic: Int32Array;
}

/**
 * Fewest slots a ring has. Each worker keeps two bits per (socket, slot) (worker/delivery-ledger.ts),
 * so the ring's size is per-socket memory: 1,024 slots were 256 bytes a socket, 19 MB at 100,000
 * sockets, for the ~140 publishes the default rate (3/s) can have pending. A multiple of 32 (one
 * bitmap word).
 */
export const RING_MIN_SLOTS = 128;

/** How long a publish stays in the ring past its deadline in one process: a receipt that late is still judged. */
export const RING_SLACK_MS = 5_000;

/**
 * Smallest power of two ≥ publishes that can be pending at once (rate × deadline) plus slack:
 * `keepMs` (5 s in one process) and 64 publishes. A publish stays in the ring at least that long
 * after its deadline, so a receipt that late is still judged (late, duplicated); one older than the
 * ring is counted `unjudged` (worker/delivery-judge.ts). A spread run keeps its publishes past the
 * agents' silence limits (driver/measurement.ts): a lost shard's books are read from the ring.
 */
export function ringSizeFor(rate: number, deadlineMs: number, keepMs: number = RING_SLACK_MS): number {
  const pending = Math.ceil((rate * (deadlineMs + keepMs)) / 1000) + 64;
  let size = RING_MIN_SLOTS;
  while (size < pending) size *= 2;
  return size;
}

/** Allocates a ring; pass its buffer to workers and reopen it there with openRing. */
export function createRing(size: number): PublishRing {
  const bytes = size * (8 + 8 + 8 + 4 + 4 + 4) + HEADER_INTS * 4;
  return openRing(new SharedArrayBuffer(bytes), size);
}

/** Views over an existing ring buffer. */
export function openRing(buffer: SharedArrayBuffer, size: number): PublishRing {
  let off = 0;
  const scheduledMs = new Float64Array(buffer, off, size);
  off += size * 8;
  const sentMs = new Float64Array(buffer, off, size);
  off += size * 8;
  const ackMs = new Float64Array(buffer, off, size);
  off += size * 8;
  const seqAt = new Int32Array(buffer, off, size);
  off += size * 4;
  const status = new Int32Array(buffer, off, size);
  off += size * 4;
  const topic = new Int32Array(buffer, off, size);
  off += size * 4;
  const header = new Int32Array(buffer, off, HEADER_INTS);
  return { buffer, size, header, seqAt, status, scheduledMs, sentMs, ackMs, topic };
}

/** Publisher: announce publish `seq` (1-based, consecutive) to topic index `topic` (0 without topics). */
export function announce(ring: PublishRing, seq: number, scheduledMs: number, sentMs: number, topic = 0): void {
  const slot = seq & (ring.size - 1);
  ring.scheduledMs[slot] = scheduledMs;
  ring.sentMs[slot] = sentMs;
  ring.topic[slot] = topic;
  ring.ackMs[slot] = 0;
  Atomics.store(ring.status, slot, PUBLISH_PENDING);
  Atomics.store(ring.seqAt, slot, seq);
  Atomics.store(ring.header, HEAD, seq);
}

/** Publisher: record the HTTP outcome of publish `seq` and when it came. */
export function settle(ring: PublishRing, seq: number, ok: boolean, ackMs: number): void {
  const slot = seq & (ring.size - 1);
  if (Atomics.load(ring.seqAt, slot) !== seq) return;
  ring.ackMs[slot] = ackMs;
  Atomics.store(ring.status, slot, ok ? PUBLISH_OK : PUBLISH_FAILED);
}

/** Highest announced seq (0 before the first publish). */
export function head(ring: PublishRing): number {
  return Atomics.load(ring.header, HEAD);
}

/** Slot of `seq` if the ring still holds it, else -1 (never published, or overwritten). */
export function slotOf(ring: PublishRing, seq: number): number {
  if (seq <= 0) return -1;
  const slot = seq & (ring.size - 1);
  return Atomics.load(ring.seqAt, slot) === seq ? slot : -1;
}

/** Worker: a socket opened; keeps the process-wide count and its peak. */
export function socketOpened(ring: PublishRing): void {
  const open = Atomics.add(ring.header, OPEN, 1) + 1;
  let peak = Atomics.load(ring.header, PEAK);
  while (open > peak) {
    const seen = Atomics.compareExchange(ring.header, PEAK, peak, open);
    if (seen === peak) break;
    peak = seen;
  }
}

/** Worker: a socket that had opened is gone. */
export function socketClosed(ring: PublishRing): void {
  Atomics.sub(ring.header, OPEN, 1);
}

/**
 * Coordinator: the open count summed over its agents, and a peak no lower than `peak` (their own
 * peaks summed: an upper bound, as they need not have peaked together).
 */
export function setOpenCounts(ring: PublishRing, open: number, peak: number): void {
  Atomics.store(ring.header, OPEN, open);
  if (peak > Atomics.load(ring.header, PEAK)) Atomics.store(ring.header, PEAK, peak);
}

/**
 * Sockets open now across all workers, and the peak so far. A worker raises OPEN and then PEAK in
 * two steps (socketOpened): read between them, OPEN is one above PEAK. The open count read is a
 * count the process held, so the peak is at least it. An agent sending open > peak is dropped by
 * its coordinator (src/coordinator/agent-checks.ts): a loaded shard lost mid-ramp on this race.
 */
export function openCounts(ring: PublishRing): { open: number; peak: number } {
  const open = Atomics.load(ring.header, OPEN);
  return { open, peak: Math.max(open, Atomics.load(ring.header, PEAK)) };
}
