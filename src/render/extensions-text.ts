/** The permessage-deflate negotiation in one line, as the text summary and the HTML page say it. */
import type { Report } from '../run/report.js';
import { fmtCount } from './format.js';

/** "permessage-deflate offered: accepted on N upgrades (as "…"), refused on M"; null when nothing was offered. */
export function extensionsLine(r: Report): string | null {
  const e = r.connections.extensions;
  if (!e) return null;
  const accepted = Object.entries(e.accepted)
    .sort((a, b) => b[1] - a[1])
    .map(([answer, n]) => `${fmtCount(n)} as "${answer}"`);
  const total = Object.values(e.accepted).reduce((a, b) => a + b, 0);
  const parts = [
    `accepted on ${fmtCount(total)} upgrade${total === 1 ? '' : 's'}${accepted.length > 0 ? ` (${accepted.join(', ')})` : ''}`,
  ];
  parts.push(`refused on ${fmtCount(e.refused)}`);
  return `compression: offered "${e.offered}"; ${parts.join('; ')}`;
}
