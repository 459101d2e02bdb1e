/** The clock caveat of a server stream's staleness, stated in every report that has one. */

/** Below this many ms, staleness says nothing without synchronised clocks (typical NTP accuracy over a network). */
export const CLOCK_CAVEAT_FLOOR_MS = 10;

/** The caveat: how far down staleness figures mean anything, raised by any skew the run saw (`aheadMaxMs`). */
export function clockCaveat(aheadMaxMs: number): string {
  const x = Math.max(CLOCK_CAVEAT_FLOOR_MS, Math.ceil(aheadMaxMs));
  const seen = aheadMaxMs > 0 ? ` (the service's clock was seen up to ${Math.ceil(aheadMaxMs)} ms ahead)` : '';
  return (
    "staleness includes the offset between the service's clock and this machine's; figures below about " +
    `${x} ms are not meaningful unless the clocks are synchronised (NTP)${seen}`
  );
}
