/** The report's connections section and its negotiated extensions; the server stream's section. */
import { deflateOfferHeader, NO_EXTENSION, type DeflateOffer } from '../../run/deflate.js';
import type { PercentileSet, Report, StreamStats } from '../../run/report.js';
import type { StreamCounters } from '../../run/stream-counters.js';
import { clockCaveat } from '../stream-caveat.js';
import type { BuildContext } from './context.js';

export function connectionsSection(ctx: BuildContext): Report['connections'] {
  const { input, totals } = ctx;
  const { scenario } = input;
  return {
    target: scenario.connections,
    opened: totals.opened,
    firstOpened: totals.firstOpened,
    failed: totals.failed,
    peakOpen: input.peakOpen,
    openedByCohort: Object.fromEntries(scenario.cohorts.map((c, i) => [c.name, totals.cohorts[i].opened])),
    openAtEnd: input.openAtEnd,
    ...(scenario.stages ? { rampDownCloses: totals.rampDownCloses, reopened: totals.reopened } : {}),
    failures: totals.failures,
    ...(scenario.perMessageDeflate ? { extensions: extensionsOf(scenario.perMessageDeflate, totals.extensions ?? {}) } : {}),
  };
}

/** The offer and the servers' answers, upgrades counted per answer; "" (no extension accepted) is `refused`. */
function extensionsOf(offer: DeflateOffer, counts: Record<string, number>): NonNullable<Report['connections']['extensions']> {
  const accepted: Record<string, number> = {};
  for (const [answer, n] of Object.entries(counts)) if (answer !== NO_EXTENSION) accepted[answer] = n;
  return { offered: deflateOfferHeader(offer), accepted, refused: counts[NO_EXTENSION] ?? 0 };
}

/** The report's stream section from the summed counters. */
export function streamStats(c: StreamCounters, stalenessMs: PercentileSet): StreamStats {
  return {
    messages: c.messages,
    unmatched: c.unmatched,
    gaps: c.gaps,
    missing: c.missing,
    duplicated: c.duplicated,
    outOfOrder: c.outOfOrder,
    negative: c.negative,
    ahead: c.ahead,
    staleCapped: c.staleCapped,
    aheadMaxMs: Math.round(c.aheadMaxMs * 1000) / 1000,
    stalenessMs,
    clockCaveat: clockCaveat(c.aheadMaxMs),
  };
}
