/** The words a trend without a call leads with, from its structured reason (client.memory and observed gauges alike). */
import type { TrendReason } from '../run/report.js';

const LEAD: Readonly<Record<TrendReason, string>> = {
  'too-short': 'not judged (too short)',
  'too-few-samples': 'not judged (too few samples)',
  inconclusive: 'undecided',
  shrinking: 'shrinking',
};

/** "not judged (too short)", "undecided", …; reports before the reason field: "not judged" (their note says why). */
export function notJudgedLead(reason: TrendReason | undefined): string {
  return reason ? LEAD[reason] : 'not judged';
}
