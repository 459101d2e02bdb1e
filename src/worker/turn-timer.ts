/**
 * How long a worker spends on one burst of messages: from the first message handled in an
 * event-loop turn to the end of that turn's I/O (setImmediate runs right after it). One publish
 * reaches many sockets of a worker in the same turn and they are handled one after another, so
 * the last socket's receipt time includes the handling of all the others: this is the client's
 * share of fan-out latency, reported beside it.
 */
import { nowMs } from '../clock.js';
import { recordMs, type Histogram } from '../metrics/histogram.js';

export class TurnTimer {
  private startMs = 0;

  constructor(private readonly histogram: Histogram) {}

  /** A message is being handled at `now` (a receipt time already read). */
  mark(now: number): void {
    if (this.startMs !== 0) return;
    this.startMs = now;
    setImmediate(turnEnded, this);
  }

  /** @private */
  end(): void {
    recordMs(this.histogram, nowMs() - this.startMs);
    this.startMs = 0;
  }
}

function turnEnded(timer: TurnTimer): void {
  timer.end();
}
