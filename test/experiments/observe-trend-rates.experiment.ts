/**
 * How safe and how decisive the observed-gauge slope call is (issue 26 item 2), on real runs:
 * RUNS runs (default 8), each observing two real services at once while 20 sockets are held — one
 * that keeps LEAK_MB_PER_MIN (default 5) MB more every minute, one that keeps nothing — and the
 * rates printed at the end: false "growing" calls on the service that does not leak (on its real
 * RSS), and the leak found ("growing", on its real RSS and on the bytes it holds), by the block-means
 * rule shared with client.memory (metrics/block-trend.ts). Short runs set a short warm-up and window
 * and a tolerance of TOL_MB_PER_H (default 60 MB/h, a fifth of the leak); DURATION sets the hold.
 * Not part of the suite (minutes); run it with
 *
 *   npm run build && RUNS=8 npx vitest run -c vitest.experiments.config.ts test/experiments/observe-trend-rates.experiment.ts
 */
import { expect, it } from 'vitest';
import { startLeakyService } from '../helpers/observed-endpoints.js';
import { runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import type { Report } from '../../dist/run/report.js';

const RUNS = Number(process.env.RUNS ?? 8);
const MB = 1048576;
const LEAK_MB_PER_MIN = Number(process.env.LEAK_MB_PER_MIN ?? 5);
const TOL = `${Number(process.env.TOL_MB_PER_H ?? 60)}MB/h`;
const DURATION = process.env.DURATION ?? '30s';
/** The endpoints' warmUp and minWindow (a long run's analogue of a soak's later half: WARM_UP half the hold). */
const WARM_UP = process.env.WARM_UP ?? '3s';
const MIN_WINDOW = process.env.MIN_WINDOW ?? '15s';

type Call = 'growing' | 'flat' | 'not judged';
const callOf = (r: Report, endpoint: string, series: string): { call: Call; text: string } => {
  const t = r.observe?.find((e) => e.name === endpoint)?.series.find((s) => s.name === series)?.trend;
  const call: Call = t?.flat === false ? 'growing' : t?.flat === true ? 'flat' : 'not judged';
  const text = t
    ? `${(t.slopePerHour / MB).toFixed(1)} MB/h [${(t.ci[0] / MB).toFixed(1)}, ${(t.ci[1] / MB).toFixed(1)}] ${t.note ?? ''}`
    : 'no trend';
  return { call, text };
};

it(
  `observed slope call: ${RUNS} runs of ${DURATION} (warm-up ${WARM_UP}), a ${LEAK_MB_PER_MIN} MB/min leak and a flat service, tolerance ${TOL}`,
  async () => {
    const tally = { flatRss: [] as Call[], leakRss: [] as Call[], leakHeld: [] as Call[] };
    for (let i = 0; i < RUNS; i++) {
      const [leaky, flat] = await Promise.all([startLeakyService(LEAK_MB_PER_MIN * MB), startLeakyService(0)]);
      try {
        const series = [
          { match: 'process_resident_memory_bytes', as: 'rss', flat: TOL },
          { match: 'service_leaked_bytes', flat: TOL },
        ];
        const scenario = scenarioFrom({
          connections: 20,
          duration: DURATION,
          publish: { rate: 5 },
          report: { interval: '500ms' },
          observe: [
            { name: 'leaky', url: leaky.metricsUrl, series, warmUp: WARM_UP, minWindow: MIN_WINDOW },
            { name: 'service', url: flat.metricsUrl, series, warmUp: WARM_UP, minWindow: MIN_WINDOW },
          ],
        });
        const report = await runQuietly(scenario);
        const f = callOf(report, 'service', 'rss');
        const l = callOf(report, 'leaky', 'rss');
        const h = callOf(report, 'leaky', 'service_leaked_bytes');
        tally.flatRss.push(f.call);
        tally.leakRss.push(l.call);
        tally.leakHeld.push(h.call);
        process.stdout.write(
          `run ${i + 1}: flat rss ${f.call} (${f.text}); leaky rss ${l.call} (${l.text}); leaky held ${h.call} (${h.text})\n`,
        );
      } finally {
        await Promise.all([leaky.close(), flat.close()]);
      }
    }
    const rate = (xs: Call[], c: Call): string => `${xs.filter((x) => x === c).length}/${xs.length}`;
    process.stdout.write(
      `false "growing" on the flat service's RSS: ${rate(tally.flatRss, 'growing')} (flat ${rate(tally.flatRss, 'flat')}, not judged ${rate(tally.flatRss, 'not judged')})\n` +
        `leak found on the leaky service's RSS: ${rate(tally.leakRss, 'growing')} (called flat ${rate(tally.leakRss, 'flat')}, not judged ${rate(tally.leakRss, 'not judged')})\n` +
        `leak found on the bytes it holds: ${rate(tally.leakHeld, 'growing')}\n`,
    );
    // Safe: the rule never calls the flat service growing nor the leak flat.
    expect(tally.flatRss.filter((c) => c === 'growing')).toEqual([]);
    expect(tally.leakRss.filter((c) => c === 'flat')).toEqual([]);
  },
  30 * 60_000,
);
