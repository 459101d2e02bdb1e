/**
 * When an agent's part of the ramp is over, for the heap growing factor's hold phase
 * (heap-growth.ts): every one of its workers has reported each socket's first attempt settled or
 * has ended (a crash, an exit, a final tick), or the coordinator has started the hold, whichever
 * comes first. A worker that dies while ramping must not keep the agent at the ramp's tighter
 * factor (and its ~7× full GCs) for the whole hold; the coordinator's 'hold' is the driver's own
 * word that the ramp is over, whatever happened to the workers.
 */
export class RampWatch {
  private readonly pending: Set<number>;
  private over = false;

  constructor(
    workerIds: Iterable<number>,
    private readonly onOver: () => void,
  ) {
    this.pending = new Set(workerIds);
    if (this.pending.size === 0) this.end();
  }

  /** A worker ramped or ended. */
  done(workerId: number): void {
    if (!this.pending.delete(workerId)) return;
    if (this.pending.size === 0) this.end();
  }

  /** The ramp is over for the whole agent: the coordinator started the hold, or the shape has stages. */
  end(): void {
    if (this.over) return;
    this.over = true;
    this.onOver();
  }

  get ended(): boolean {
    return this.over;
  }
}
