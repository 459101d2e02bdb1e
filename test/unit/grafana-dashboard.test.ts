/**
 * deploy/grafana/wsload.json: a Grafana dashboard importable with its Prometheus data source as a
 * variable, with the panels the README promises, whose every PromQL expression names only series
 * wsload exports (taken from the code's own list, PROM_METRICS, not a copy).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROM_METRICS, promSeriesNames } from '../../src/driver/prom-metrics.js';

const ROOT = join(import.meta.dirname, '../..');

interface Target {
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  title?: string;
  type?: string;
  targets?: Target[];
  panels?: Panel[];
  datasource?: { type?: string; uid?: string };
}
interface Dashboard {
  schemaVersion: number;
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown; definition?: string }[] };
  __inputs?: { name: string; pluginId: string }[];
}

const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/wsload.json'), 'utf8')) as Dashboard;

function allPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/**
 * The series names a PromQL expression reads: label matchers, grouping lists, ranges, strings and
 * Grafana variables removed, function names (followed by "(") and keywords skipped.
 */
function seriesNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names: string[] = [];
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const after = stripped.slice((m.index ?? 0) + m[0].length).trimStart();
    if (after.startsWith('(') || PROMQL_WORDS.has(m[0].toLowerCase())) continue;
    names.push(m[0]);
  }
  return names;
}

const exprs = allPanels(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title ?? '', expr: t.expr ?? '' })));
/** Grafana's label_values(SELECTOR, label): the selector is PromQL, the label is not a series. */
const variableQueries = dashboard.templating.list
  .filter((v) => v.type === 'query')
  .map((v) => ({ panel: `variable ${v.name}`, expr: /^label_values\((.*),\s*\w+\)$/.exec(v.definition ?? '')?.[1] ?? v.definition ?? '' }));

describe('deploy/grafana/wsload.json', () => {
  it('is a current dashboard whose queries use the data source variable', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toBe('wsload');
    const ds = dashboard.templating.list.find((v) => v.type === 'datasource');
    expect(ds?.name).toBe('DS_PROMETHEUS');
    expect(ds?.query).toBe('prometheus');
    expect(dashboard.__inputs?.[0]).toMatchObject({ name: 'DS_PROMETHEUS', pluginId: 'prometheus' });
    for (const p of allPanels(dashboard.panels)) {
      if (!p.targets) continue;
      expect(p.datasource?.uid, p.title).toBe('${DS_PROMETHEUS}');
      for (const t of p.targets) expect(t.datasource?.uid, p.title).toBe('${DS_PROMETHEUS}');
    }
  });

  it('has the panels the README lists', () => {
    const titles = allPanels(dashboard.panels).map((p) => p.title ?? '');
    for (const want of [
      /^Open sockets$/,
      /^Drops by cause$/,
      /^Fan-out latency p50 \/ p99$/,
      /^Deliveries \/ s$/,
      /^Lost/,
      /^Event-loop lag/,
      /^RSS$/,
    ]) {
      expect(
        titles.some((t) => want.test(t)),
        String(want),
      ).toBe(true);
    }
    const fanout = allPanels(dashboard.panels).find((p) => p.title === 'Fan-out latency p50 / p99');
    expect(
      fanout?.targets?.map((t) => /^histogram_quantile\((0\.5|0\.99), .*wsload_fanout_latency_seconds_bucket/.exec(t.expr ?? '')?.[1]),
    ).toEqual(['0.5', '0.99']);
    const drops = allPanels(dashboard.panels).find((p) => p.title === 'Drops by cause');
    expect(drops?.targets?.[0].expr).toMatch(/sum by \(cause\) \(increase\(wsload_disconnects_total/);
  });

  it('every PromQL expression names only series wsload exports, and each reads at least one', () => {
    const exported = new Set(promSeriesNames());
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    for (const { panel, expr } of [...exprs, ...variableQueries]) {
      const names = seriesNamesIn(expr);
      expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      for (const n of names) expect(exported.has(n), `${panel}: ${n} is not exported by wsload (${expr})`).toBe(true);
    }
    // Every metric wsload exports is on the dashboard (the info metric through the variables).
    const used = new Set([...exprs, ...variableQueries].flatMap((e) => seriesNamesIn(e.expr)));
    const unused = PROM_METRICS.map((m) => m.name).filter((m) => ![...used].some((u) => u === m || u.startsWith(`${m}_`)));
    expect(unused).toEqual([]);
  });

  it('the name check itself catches a metric wsload does not export', () => {
    expect(seriesNamesIn('sum by (cause) (rate(wsload_disconnects_total{instance=~"$instance"}[$__rate_interval]))')).toEqual([
      'wsload_disconnects_total',
    ]);
    expect(seriesNamesIn('histogram_quantile(0.99, sum by (le) (rate(wsload_fanout_latency_seconds_bucket[5m])))')).toEqual([
      'wsload_fanout_latency_seconds_bucket',
    ]);
    expect(seriesNamesIn('rate(wsload_delivered_total[1m]) / on (instance) group_left wsload_sockets_open')).toEqual([
      'wsload_delivered_total',
      'wsload_sockets_open',
    ]);
    expect(promSeriesNames()).not.toContain('wsload_delivered_total');
  });
});
