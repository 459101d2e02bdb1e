/** The summary's fan-out block: the delivery books, what was lost and why, stray messages. */
import { latencyCells, latencyHead } from '../latency-cells.js';
import type { Report } from '../../run/report.js';
import { fmtCount, fmtMs, fmtPct, newTable, type Paint } from '../format.js';
import { earlyBeyondBound } from '../../report/clock-bound.js';
import { lostReasons } from '../../report/verdict.js';
import { topicTable, cohortFanoutTable } from './fanout-tables.js';

export function fanout(r: Report, color: boolean, paint: Paint): string[] {
  const f = r.fanout;
  // Another run's pushes arrive whether or not this one publishes: an idle run on a shared target sees them too.
  if (r.scenario.publish === null && f.published === 0) {
    // The server's own stream has no publishes to fan out: its section says what arrived.
    if (r.stream) return [];
    return ['Fan-out', '  no publishing in this scenario (publish is not set)', ...strayMessages(f)];
  }
  const lostPct = f.expected === 0 ? 0 : (100 * f.lost) / f.expected;
  const lost = f.lost > 0 ? paint(`${fmtCount(f.lost)} (${fmtPct(lostPct)})`, 'red') : '0';
  const counts = newTable(['published', 'expected', 'delivered', 'lost', 'duplicated', 'out of order', 'late', 'incomplete'], color);
  counts.push([
    fmtCount(f.published),
    fmtCount(f.expected),
    fmtCount(f.delivered),
    lost,
    fmtCount(f.duplicated),
    fmtCount(f.outOfOrder),
    fmtCount(f.late),
    fmtCount(f.incomplete),
  ]);
  const l = f.latencyMs;
  const lat = newTable(latencyHead('latency'), color);
  lat.push(['fan-out', ...latencyCells(l)]);
  const turn = r.client.turnMs;
  // Beside fan-out: the part of it that is wsload handling one burst, not network or target.
  if (turn && turn.count > 0) lat.push(['client turn', ...latencyCells(turn)]);
  // Beside the received-only figures: every expected delivery, lost and never-sent ones counted (a lower bound at the deadline).
  const cen = f.censored;
  const censored = cen && (cen.lost > 0 || cen.unsentDeliveries > 0) ? cen : null;
  if (censored) {
    lat.push(['all expected', ...latencyCells(censored.latencyMs, censored.deadlineMs)]);
  }
  const cp = f.completionMs;
  lat.push(['completion', ...latencyCells(cp)]);
  const out = ['Fan-out (publish scheduled → message received)', counts.toString(), lat.toString()];
  if (censored) {
    const unsent =
      censored.unsentPublishes > 0
        ? ` and ${fmtCount(censored.unsentDeliveries)} of ${fmtCount(censored.unsentPublishes)} publishes never sent (at their wait)`
        : '';
    out.push(
      `  all expected: received deliveries with ${fmtCount(censored.lost)} lost (at the ${fmtMs(censored.deadlineMs)} deadline)${unsent}; ≥ marks a lower bound`,
    );
  }
  if (turn && turn.count > 0)
    out.push(
      '  client turn: time a worker spent handling one burst of messages (one event-loop turn); the rest of fan-out is network and target',
    );
  if (f.lost > 0) out.push(`  lost: ${lostReasons(r, fmtCount)}`);
  if (f.incomplete > 0) {
    const deadline = r.scenario.publish?.deadlineMs;
    out.push(
      `  completion: ${fmtCount(cp.count)} publishes, ${fmtCount(f.incomplete)} incomplete counted at the deadline (${deadline !== undefined ? `${fmtMs(deadline)}, ` : ''}publish.deadline)`,
    );
  }
  if (f.unmatched > 0) out.push(`  ${fmtCount(f.unmatched)} messages carried no recognisable sequence number (${matchRuleText(r)})`);
  out.push(...strayMessages(f));
  if ((f.misrouted ?? 0) > 0)
    out.push(
      paint(
        `  ${fmtCount(f.misrouted ?? 0)} messages of a topic reached sockets not in that topic (misrouted: not delivered, not lost)`,
        'red',
      ),
    );
  out.push(...bookLines(r, paint));
  out.push(...topicTable(f, color, paint));
  out.push(...cohortFanoutTable(r, color));
  return out;
}

/** What the books hold that is not exact or not a measurement: unconfirmed losses, receipts too old to judge, publishes never evaluated, early receipts, the clock's bound. */
function bookLines(r: Report, paint: Paint): string[] {
  const f = r.fanout;
  const out: string[] = [];
  const unconfirmed = f.unconfirmed ?? 0;
  if (unconfirmed > 0) {
    out.push(
      paint(
        `  lost includes ${fmtCount(unconfirmed)} unconfirmed: owed by a lost worker or shard after its last snapshot (nobody saw whether they arrived; an upper bound)`,
        'red',
      ),
    );
  }
  const unjudged = f.unjudged ?? 0;
  if (unjudged > 0) {
    out.push(
      paint(
        `  ${fmtCount(unjudged)} copies came after their publish had left the publish ring: not judged (a loss stays lost; late, duplicated or replayed copies may be short by that many)`,
        'yellow',
      ),
    );
  }
  const unevaluated = f.unevaluated ?? 0;
  if (unevaluated > 0) {
    out.push(
      paint(
        `  ${fmtCount(unevaluated)} publishes left a worker's publish ring before it evaluated them (it stalled): only their received copies are booked, lost may be short`,
        'red',
      ),
    );
  }
  const early = f.early ?? 0;
  if (early > 0) {
    const beyond = earlyBeyondBound(r).length > 0;
    const what = beyond
      ? 'the clock offset in use was wrong: latency is not a measurement'
      : 'within the clock uncertainty, recorded at 0 ms';
    out.push(
      paint(
        `  ${fmtCount(early)} deliveries came before their scheduled time, up to ${fmtMs(f.earlyMaxMs ?? 0)} early (${what})`,
        beyond ? 'red' : 'yellow',
      ),
    );
  }
  return out;
}

/** Where the run looked for the sequence number, so an unmatched count points at the rule to fix. */
function matchRuleText(r: Report): string {
  const p = r.scenario.publish;
  if (p === null) return 'publish.match';
  const by = p.matchBy === 'pointer' ? 'JSON pointer ' : p.matchBy === 'regex' ? 'regex ' : 'top-level field ';
  const binary = p.binary === 'unmatched' ? '; binary frames unread (publish.binary)' : '';
  return `publish.match: ${by}${JSON.stringify(p.match)}${binary}`;
}

/** Messages that were not this run's deliveries: another run's, or this run's with the wrong id. */
function strayMessages(f: Report['fanout']): string[] {
  const out: string[] = [];
  if ((f.foreign ?? 0) > 0)
    out.push(`  ${fmtCount(f.foreign ?? 0)} messages of another run against the same target (another run tag), counted apart`);
  if ((f.idMismatch ?? 0) > 0)
    out.push(`  ${fmtCount(f.idMismatch ?? 0)} messages carried another id than their publish sent (not counted delivered)`);
  return out;
}
