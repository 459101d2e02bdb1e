/** The merged report's scenario, when and where it ran, and the warnings merging the runs needs said. */
import type { Report } from '../../run/report.js';
import { byKey, sum, unique } from './sums.js';

/** The runs' topics by name: sockets summed, names in first-seen order (a run's assign kept when all agree, else "ranges"). */
function mergeScenarioTopics(reports: readonly Report[]): NonNullable<Report['scenario']['topics']> {
  const counts = new Map<string, number>();
  for (const r of reports)
    r.scenario.topics?.names.forEach((name, i) => counts.set(name, (counts.get(name) ?? 0) + (r.scenario.topics?.counts[i] ?? 0)));
  const assigns = [...new Set(reports.flatMap((r) => (r.scenario.topics ? [r.scenario.topics.assign] : [])))];
  return { names: [...counts.keys()], counts: [...counts.values()], assign: assigns.length === 1 ? assigns[0] : 'ranges' };
}

/** The first run's scenario with connections, cohort sizes and topics summed over the runs (cohorts and topics by name). */
export function mergeScenario(reports: readonly Report[]): Report['scenario'] {
  const scenario = structuredClone(reports[0].scenario);
  scenario.connections = sum(reports.map((r) => r.scenario.connections));
  const cohortSizes = byKey(reports.map((r) => Object.fromEntries(r.scenario.cohorts.map((c) => [c.name, c.count]))));
  for (const r of reports.slice(1)) {
    for (const c of r.scenario.cohorts) if (!scenario.cohorts.some((x) => x.name === c.name)) scenario.cohorts.push(structuredClone(c));
  }
  for (const c of scenario.cohorts) c.count = sum(cohortSizes.get(c.name) ?? []);
  if (reports.some((r) => r.scenario.topics)) scenario.topics = mergeScenarioTopics(reports);

  return scenario;
}

/** When and where: the earliest start, the latest end, every host, the longest phases, any interrupt. */
export function mergeHeader(
  reports: readonly Report[],
): Pick<Report, 'startedAt' | 'endedAt' | 'interrupted' | 'interruptReason' | 'environment' | 'target' | 'phases'> {
  const first = reports[0];
  const time = (s: string): number => Date.parse(s);
  const interruptReasons = unique(reports.map((r) => r.interruptReason).filter((x): x is string => x !== null));
  return {
    startedAt: reports.reduce((a, r) => (time(r.startedAt) < time(a) ? r.startedAt : a), first.startedAt),
    endedAt: reports.reduce((a, r) => (time(r.endedAt) > time(a) ? r.endedAt : a), first.endedAt),
    interrupted: reports.some((r) => r.interrupted),
    interruptReason: interruptReasons.length > 0 ? interruptReasons.join('; ') : null,
    environment: { ...first.environment, host: unique(reports.map((r) => r.environment.host)).join(', ') },
    target: { ...first.target, tlsInsecure: reports.some((r) => r.target.tlsInsecure) },
    phases: { rampMs: Math.max(...reports.map((r) => r.phases.rampMs)), holdMs: Math.max(...reports.map((r) => r.phases.holdMs)) },
  };
}

/** The runs' own warnings, once each, and what merging them says about them (targets, hosts, overlap, estimates). */
export function mergeWarnings(reports: readonly Report[], info: Report['merged'] & object): string[] {
  const warnings: string[] = unique(reports.flatMap((r) => r.warnings));
  const hosts = unique(reports.map((r) => r.environment.host));
  const n = reports.length;
  const targets = unique(reports.filter((r) => !r.target.embedded).map((r) => r.target.url));
  if (targets.length > 1) warnings.push(`merged runs used different targets: ${targets.join(', ')}`);
  if (n > 1) {
    warnings.push(`merged ${n} reports (hosts: ${hosts.join(', ')}); connections.peakOpen is the sum of each run's peak, an upper bound`);
  }
  if (info.estimates['fanout.expected'] !== undefined) warnings.push(`fanout: ${info.estimates['fanout.expected']}`);
  if (n > 1 && !info.overlapping) {
    warnings.push(
      'the merged runs did not overlap in time (startedAt/endedAt): their sums describe different periods, not one combined load',
    );
  }
  return warnings;
}
