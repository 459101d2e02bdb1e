/** Where a registered histogram's percentile set sits in a report, whole-run or per value of an axis. */
import type { PercentileSet, Report } from './report.js';
import { HISTOGRAMS, type HistogramDef, type SectionSets, type SetSection } from './registry-histograms.js';
import { AXES, type BreakdownDef, parseBreakdownKey } from './registry-breakdowns.js';

/**
 * The cap of the percentile set behind Report.histograms[key] ("completion", "completion:<topic>"):
 * the delivery deadline for histograms no sample of which can exceed it, else undefined.
 */
export function percentileCapMs(key: string, deadlineMs: number | undefined): number | undefined {
  const def = histogramDef(parseBreakdownKey(key)?.b.key ?? key);
  return def?.cappedAtDeadline === true ? deadlineMs : undefined;
}

/** The registered whole-run histogram `key`, or undefined. */
export function histogramDef(key: string): HistogramDef | undefined {
  return HISTOGRAMS.find((h) => h.key === key);
}

/** The histogram behind latency family `family` ("fanout", "handshake.queue"), or undefined. */
export function histogramOfFamily(family: string): HistogramDef | undefined {
  return HISTOGRAMS.find((h) => h.family === family);
}

/** Where a histogram's percentile set sits in a report: a whole-run entry, or a cohort's disconnect set. */
export interface SetLocation {
  get: (r: Report) => PercentileSet | undefined;
  set: (r: Report, p: PercentileSet) => void;
}

/** Location of the percentile set of histogram `def` in a report. */
export function setLocation(def: HistogramDef): SetLocation {
  // Sections are plain objects whose registered fields are PercentileSets (checked by the registry test);
  // an optional section (stream) is absent from reports of runs without it: no set there.
  const section = (r: Report): Record<string, PercentileSet | undefined> | undefined =>
    r[def.section] as unknown as Record<string, PercentileSet | undefined> | undefined;
  return {
    get: (r) => section(r)?.[def.field],
    set: (r, p) => {
      const s = section(r);
      if (s) s[def.field] = p;
    },
  };
}

/** Location of the percentile set behind Report.histograms[key], whole-run or per value of an axis; null when none backs it. */
export function locateHistogram(key: string): SetLocation | null {
  const def = histogramDef(key);
  if (def) return setLocation(def);
  const parsed = parseBreakdownKey(key);
  return parsed ? breakdownLocation(parsed.b, parsed.value) : null;
}

/** Per-value entries of breakdown `b` in a report (`fanout.byTopic`), made when `create` and its entries are sets only. */
function breakdownEntries(
  r: Report,
  b: BreakdownDef,
  create: boolean,
): Record<string, Record<string, PercentileSet | undefined> | undefined> | undefined {
  const def = histogramDef(b.key) as HistogramDef;
  // Sections are plain objects (the registry test checks each entry against a built report).
  const section = r[def.section] as unknown as
    Record<string, Record<string, Record<string, PercentileSet | undefined> | undefined> | undefined> | undefined;
  if (!section) return undefined;
  const field = AXES[b.axis].field;
  if (section[field] === undefined && create && b.entry === 'sets') section[field] = {};
  return section[field];
}

/** Where breakdown `b`'s set for `value` sits: `${section}.${axis field}[value][field]`. */
export function breakdownLocation(b: BreakdownDef, value: string): SetLocation {
  const field = (histogramDef(b.key) as HistogramDef).field;
  return {
    get: (r) => breakdownEntries(r, b, false)?.[value]?.[field],
    set: (r, p) => {
      const entries = breakdownEntries(r, b, true);
      if (!entries) return;
      if (entries[value] === undefined && b.entry === 'sets') entries[value] = {};
      const entry = entries[value];
      if (entry) entry[field] = p;
    },
  };
}

/** Percentile sets of one report section, by field, in registry order: `fanout: { ...counters, ...sectionSets('fanout', pct) }`. */
export function sectionSets<S extends SetSection>(section: S, pct: (def: HistogramDef) => PercentileSet): SectionSets<S> {
  const fields = HISTOGRAMS.filter((h: HistogramDef) => h.section === section).map((h) => [h.field, pct(h)]);
  // The mapped type lists exactly the fields of this section's entries, which are what is built here.
  return Object.fromEntries(fields) as SectionSets<S>;
}
