/**
 * The series users' dashboards and alerts read: a real spread run (2 shards, 2 cohorts, drops
 * and reconnects, publishes) is scraped over HTTP while it goes on, and the set of every series
 * seen (name, type from its `# TYPE` line, label names) is compared with the committed list in
 * prom-series.txt. A metric renamed, retyped or relabelled by a refactor of the exporter (it is
 * driven by the registry's declarations) fails here; a new exported family shows as an added line
 * (update with `npx vitest run test/integration/prom-series.test.ts -u` and read the diff).
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { listenTarget } from '../../src/target/listen-target.js';
import { assertBuilt } from '../helpers/cli.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { expectExactBooks } from '../helpers/books.js';

assertBuilt();
const track = closeAfterEach();

function getText(url: string): Promise<string | null> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 ? body : null));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(null));
    req.end();
  });
}

/** "name type label,label" for every sample line of an exposition; the type from its family's `# TYPE` line. */
function seriesShapes(text: string): string[] {
  const types = new Map<string, string>();
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1], type[2]);
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const family = types.has(m[1]) ? m[1] : m[1].replace(/_(bucket|sum|count)$/, '');
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map((l) => l[1]).sort();
    out.push(`${m[1]} ${types.get(family) ?? '?'} ${labels.join(',')}`.trimEnd());
  }
  return out;
}

describe('the series wsload exports', () => {
  it('a real spread run exports exactly the committed series (names, types, label names)', async () => {
    // The first 6 sockets accepted are closed by the target after 300 ms, then reconnect.
    const target = track(
      await listenTarget({
        hooks: {
          connection: (ws, index) => {
            if (index < 6) setTimeout(() => ws.close(4001, 'test drop'), 300);
          },
        },
      }),
    );
    const scenario = scenarioFrom({
      target: { url: target.wsUrl },
      connections: 20,
      connectRate: 200,
      duration: '2500ms',
      workers: 2,
      shards: 2,
      reconnect: { policy: 'immediate' },
      publish: { rate: 10, deadline: '1s' },
      cohorts: [
        { name: 'silent', share: 0.5 },
        { name: 'ping', share: 0.5, pingInterval: '500ms' },
      ],
      metrics: { listen: '127.0.0.1:0' },
    });
    let url: string | null = null;
    const seen = new Set<string>();
    let scrapes = 0;
    let running = true;
    // Bounded: the run lasts ~3 s; the loop ends with it (and after 60 s at most).
    const loop = (async () => {
      const until = Date.now() + 60_000;
      while (running && Date.now() < until) {
        const text = url !== null ? await getText(url) : null;
        if (text !== null) {
          scrapes++;
          for (const s of seriesShapes(text)) seen.add(s);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const report = await runQuietly(scenario, { onMetricsListening: (u) => (url = u) });
    running = false;
    await loop;

    expect(scrapes).toBeGreaterThan(5);
    // The run met what makes every family show a series: drops, reconnects, deliveries, two shards.
    expect(report.reconnects.total).toBeGreaterThan(0);
    expect(report.fanout.delivered).toBeGreaterThan(0);
    expect(report.shards ?? []).toHaveLength(2);
    expectExactBooks(report);
    await expect(`${[...seen].sort().join('\n')}\n`).toMatchFileSnapshot('prom-series.txt');
  }, 90_000);
});
