/**
 * What is already waiting in this process's sockets, read before a deadline is judged. A process
 * that stalled (stopped by a signal, starved of CPU, a long GC) wakes in the event loop's timers
 * phase: its expired timers run before the frames and closes that queued meanwhile are read. A
 * deadline judged right there blames an agent for this side's own lag; judged after the poll phase,
 * it sees what the agent sent in time. Only what already waits is read: the bound does not move.
 */

/** Loop turns: the first reads the pending frames; its close phase and the second read the closes they end in. */
const TURNS = 2;

/** Resolves once the frames and closes pending now were taken in (two setImmediate turns of the loop). */
export async function afterPendingIo(): Promise<void> {
  for (let turn = 0; turn < TURNS; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}
