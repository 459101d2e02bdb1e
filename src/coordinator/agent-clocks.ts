/**
 * When the coordinator probes its agents' clocks: at the join until the offset is known, again
 * every REESTIMATE_EVERY_MS while the run goes (clocks drift), and one bounded last round once the
 * receipts are in. How one round probes is the link's (agent-link.ts); the estimate itself is
 * clock-offset.ts.
 */
import type { AgentLink } from './agent-link.js';

/** Clock probes when an agent joins, and at each re-estimate. */
const JOIN_PROBES = 8;
const REESTIMATE_PROBES = 4;
/** Clocks drift: long runs re-estimate the offsets this often. */
export const REESTIMATE_EVERY_MS = 30_000;

/**
 * Probes a joining agent's clock, round after round, until it is known or `joining` turns false
 * (the agent left, the run started without it). True when the clock is known and it still joins.
 */
export async function probeJoiningClock(link: AgentLink, joining: () => boolean, log: (line: string) => void): Promise<boolean> {
  for (let round = 0; !link.clockKnown && joining(); round++) {
    if (round === 1) log(`agent ${link.label} did not answer its clock probes; probing again`);
    await link.estimateClock(JOIN_PROBES);
  }
  return link.clockKnown && joining();
}

/** A joined agent's clock as the join line gives it. */
export function clockText(link: AgentLink): string {
  return link.sameClock ? 'same clock' : `clock offset ${link.clock.offsetMs.toFixed(3)} ms ± ${link.clock.uncertaintyMs.toFixed(3)} ms`;
}

/** One more round for every open agent on another clock; each keeps its offset until its round answers. */
export function reestimateClocks(links: readonly AgentLink[]): void {
  for (const l of links) if (!l.closed && !l.sameClock) void l.estimateClock(REESTIMATE_PROBES);
}

/**
 * The receipts are all in: one more round of probes for every agent still in the run on another
 * clock, so the bound of the offset used since the last round covers its drift up to the end.
 * Bounded by `limitMs`: an agent that does not answer keeps the bound it had.
 */
export async function closeClocks(links: readonly AgentLink[], limitMs: number): Promise<void> {
  const probing = links
    .filter((l) => l.index >= 0 && l.lost === null && !l.closed && !l.sameClock)
    .map((l) => l.estimateClock(REESTIMATE_PROBES));
  if (probing.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(probing), new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)))]);
  clearTimeout(timer);
}
