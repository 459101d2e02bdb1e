/**
 * The exact peak of sockets open at once over several processes: each worker logs every open and
 * close with its time (on the coordinator's clock once converted), and the peak is the highest
 * prefix sum of all of them in time order. In one process the publish ring's atomic counter gives
 * it; across processes only the merged logs do (the sum of each process's own peak is an upper
 * bound: they need not peak together). Bounded: past MAX_EVENTS the peak is no longer claimed exact.
 */

/** Opens and closes kept at most (two numbers each): hours of heavy reconnect churn at 100k sockets. */
export const MAX_EVENTS = 8_000_000;

/** Merges (time, ±1) logs and finds the peak once all are in. */
export class PeakOpenMerger {
  private times: number[] = [];
  private deltas: number[] = [];
  private overflow = false;
  /** Sockets each worker's log leaves open so far (opens − closes). */
  private readonly net = new Map<number, number>();

  /** Takes one tick's (time, ±1) pairs of worker `workerId`. */
  add(log: readonly number[], workerId = -1): void {
    let net = 0;
    for (let i = 1; i < log.length; i += 2) net += log[i];
    this.net.set(workerId, (this.net.get(workerId) ?? 0) + net);
    if (this.overflow) return;
    if (this.times.length + log.length / 2 > MAX_EVENTS) {
      this.overflow = true;
      this.times = [];
      this.deltas = [];
      return;
    }
    for (let i = 0; i + 1 < log.length; i += 2) {
      this.times.push(log[i]);
      this.deltas.push(log[i + 1]);
    }
  }

  /**
   * A worker was lost at `atMs`: the sockets its log left open died with it (their closes will
   * never be logged), so they count as closed then and `openAt` counts only live sockets.
   */
  closeWorker(workerId: number, atMs: number): void {
    const open = this.net.get(workerId) ?? 0;
    if (open <= 0) return;
    this.add([atMs, -open], workerId);
  }

  /**
   * Sockets open at `atMs` (every event at or before it counted), or null when too many events were
   * logged to keep. Exact where the processes' periodic open counts lag a stage still ramping.
   */
  openAt(atMs: number): number | null {
    if (this.overflow) return null;
    let open = 0;
    for (let i = 0; i < this.times.length; i++) if (this.times[i] <= atMs) open += this.deltas[i];
    return Math.max(0, open);
  }

  /**
   * The peak over everything logged, or null when too many events were logged to keep. At equal
   * times a close counts before an open: a socket replaced in the same instant is not two.
   */
  peak(): number | null {
    if (this.overflow) return null;
    const order = Array.from(this.times.keys()).sort((a, b) => this.times[a] - this.times[b] || this.deltas[a] - this.deltas[b]);
    let open = 0;
    let peak = 0;
    for (const i of order) {
      open += this.deltas[i];
      if (open > peak) peak = open;
    }
    return peak;
  }
}
