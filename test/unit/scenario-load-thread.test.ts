/**
 * `wsload run` validates its scenario in a short-lived thread (src/scenario/load-thread.ts) so zod
 * and the scenario schema are not resident on the main thread for the whole run (issue 22). The
 * thread must give exactly what loadScenario gives: the same Scenario, the same one-line errors at
 * the same JSON paths, the same error classes and exit codes. And the main thread must really stay
 * free of zod: checked in a fresh isolate by zod's own global marker.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { WsloadError } from '../../dist/errors.js';
import { loadScenario } from '../../dist/scenario/load.js';
import { loadScenarioInThread } from '../../dist/scenario/load-thread.js';
import type { LoadOptions } from '../../dist/run/run-options.js';

const DIST = new URL('../../dist/', import.meta.url).href;
const SCENARIOS = new URL('../../scenarios/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'wsload-load-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** What a loader settled with, as a user sees it: the value, or the error's class, message, code and exit code. */
async function outcome(load: Promise<unknown>): Promise<unknown> {
  try {
    return { value: await load };
  } catch (err) {
    if (!(err instanceof WsloadError)) return { other: String(err) };
    const issues = 'issues' in err ? (err as { issues: unknown }).issues : undefined;
    return { name: err.name, message: err.message, code: err.code, exitCode: err.exitCode, issues };
  }
}

async function same(file: string, opts: LoadOptions): Promise<unknown> {
  const inMain = await outcome(loadScenario(file, opts));
  const inThread = await outcome(loadScenarioInThread(file, opts));
  expect(inThread).toEqual(inMain);
  return inThread;
}

describe('loadScenarioInThread', () => {
  it('gives the same Scenario as loadScenario for every shipped scenario', async () => {
    const files = readdirSync(SCENARIOS).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      // stomp.json reads STOMP_PASSCODE: without it both give the same error, which is checked too.
      await same(join(SCENARIOS, f), { cpus: 2, checkFiles: false });
    }
    const ok = (await same(join(SCENARIOS, 'fanout.json'), { cpus: 2 })) as { value: { connections: number } };
    expect(ok.value.connections).toBeGreaterThan(0);
  });

  it('gives the same one-line errors at the same JSON paths', async () => {
    const cases: [string, LoadOptions][] = [
      [join(dir, 'missing.json'), {}],
      [write('syntax.json', '{\n  "name": "x",\n  "connections": 5,,\n}'), {}],
      [write('schema.json', JSON.stringify({ name: 'x', connections: -1, duration: '1s', publish: { rate: 'fast' } })), { cpus: 2 }],
      [write('flag.json', JSON.stringify({ name: 'x', connections: 5, duration: '1s' })), { cpus: 2, overrides: { connections: 'many' } }],
      [
        write('limit.json', JSON.stringify({ name: 'x', connections: 5000, duration: '1s' })),
        { cpus: 2, limits: { openFiles: 100, ephemeralPorts: null } },
      ],
      [write('report.json', JSON.stringify({ tool: 'wsload', formatVersion: 3 })), {}],
    ];
    const messages: string[] = [];
    for (const [file, opts] of cases) {
      const got = (await same(file, opts)) as { name?: string; message?: string; exitCode?: number };
      expect(got.name).toBe('ScenarioError');
      expect(got.exitCode).toBe(2);
      messages.push(got.message ?? '');
    }
    expect(messages[2]).toMatch(/connections: /);
    expect(messages[2]).toMatch(/publish\.rate: /);
    expect(messages[3]).toMatch(/--connections/);
  });

  it('leaves zod off the main thread: the CLI and the thread loader load no zod in the calling isolate', async () => {
    // A fresh isolate (vitest's own may hold zod): import everything `wsload run` imports, load a
    // scenario the way its action does, and read zod's per-isolate global.
    const probe = `
      const { parentPort, workerData } = require('node:worker_threads');
      (async () => {
        await import(workerData.dist + 'cli/main.js');
        const afterImports = '__zod_globalConfig' in globalThis;
        const { loadScenarioInThread } = await import(workerData.dist + 'scenario/load-thread.js');
        const s = await loadScenarioInThread(workerData.file, { cpus: 2 });
        const afterThreadLoad = '__zod_globalConfig' in globalThis;
        const { loadScenario } = await import(workerData.dist + 'scenario/load.js');
        await loadScenario(workerData.file, { cpus: 2 });
        parentPort.postMessage({ afterImports, afterThreadLoad, name: s.name, afterMainLoad: '__zod_globalConfig' in globalThis });
      })().catch((err) => parentPort.postMessage({ error: String(err) }));`;
    const got = await new Promise((resolve, reject) => {
      const w = new Worker(probe, { eval: true, workerData: { dist: DIST, file: join(SCENARIOS, 'fanout.json') } });
      w.once('message', (m) => {
        resolve(m);
        void w.terminate();
      });
      w.once('error', reject);
    });
    // afterMainLoad shows the marker is a true witness: loading on this thread sets it.
    expect(got).toEqual({ afterImports: false, afterThreadLoad: false, name: expect.any(String), afterMainLoad: true });
  });
});
