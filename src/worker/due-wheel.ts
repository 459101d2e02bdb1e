/**
 * A timer wheel over a pool's sockets: each socket is in at most one slot, by its due time, so a
 * tick visits the sockets due since the last tick and not every socket (the keepalive schedule at
 * tens of thousands of sockets). Slots are intrusive doubly linked lists in typed arrays, sized
 * once: scheduling, cancelling and taking due sockets allocate nothing.
 * A due time past the wheel's span wraps: its slot is visited early and the socket left there for
 * its round (`due` is checked), so any time is correct and a span ≥ the longest interval is fast.
 */
const NONE = -1;

export class DueWheel {
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  /** Per socket: its slot, or NONE. */
  private readonly slotOf: Int32Array;
  private readonly heads: Int32Array;
  /** The slot index (time / slotMs) up to which every slot is done (its whole time past); -Infinity before the first take. */
  private visited = -Infinity;

  constructor(
    n: number,
    private readonly slotMs: number,
    spanMs: number,
    /** Per socket: when it is due (ms, the pool's clock); the pool's own array, written here. */
    private readonly due: Float64Array,
  ) {
    this.next = new Int32Array(n).fill(NONE);
    this.prev = new Int32Array(n).fill(NONE);
    this.slotOf = new Int32Array(n).fill(NONE);
    this.heads = new Int32Array(Math.max(2, Math.ceil(spanMs / slotMs) + 2)).fill(NONE);
  }

  /** Socket k is due at `at` (replacing any time it had). */
  schedule(k: number, at: number): void {
    this.cancel(k);
    this.due[k] = at;
    // A time in a slot already visited goes to the next one to visit: it is due at the next take.
    const slot = Math.max(Math.floor(at / this.slotMs), this.visited + 1) % this.heads.length;
    if (slot < 0) throw new RangeError(`due time ${at} before the clock's origin`);
    const head = this.heads[slot];
    this.next[k] = head;
    this.prev[k] = NONE;
    if (head !== NONE) this.prev[head] = k;
    this.heads[slot] = k;
    this.slotOf[k] = slot;
  }

  /** Socket k has no due time (closed). */
  cancel(k: number): void {
    const slot = this.slotOf[k];
    if (slot === NONE) return;
    const p = this.prev[k];
    const nx = this.next[k];
    if (p !== NONE) this.next[p] = nx;
    else this.heads[slot] = nx;
    if (nx !== NONE) this.prev[nx] = p;
    this.slotOf[k] = NONE;
  }

  /**
   * Calls `fire(k)` for every socket due at or before `now`, each taken off the wheel first (fire
   * schedules it again if it recurs). Visits the slots since the last take, at most one turn.
   */
  take(now: number, fire: (k: number) => void): void {
    const last = Math.floor(now / this.slotMs);
    // At most one turn: every slot once (the first take, a long stall).
    const from = Math.max(this.visited + 1, last - this.heads.length + 1, 0);
    for (let s = from; s <= last; s++) {
      // Slots before this one are done: a socket rescheduled at an earlier time goes to this one, to the next take.
      this.visited = s - 1;
      const slot = s % this.heads.length;
      let k = this.heads[slot];
      while (k !== NONE) {
        const nx = this.next[k];
        if (this.due[k] <= now) {
          this.cancel(k);
          fire(k);
        }
        k = nx;
      }
    }
    // The current slot (`last`) is visited again at the next take: its later part is not due yet.
    this.visited = Math.max(this.visited, last - 1);
  }
}
