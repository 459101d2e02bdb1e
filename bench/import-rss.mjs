// RSS of importing modules, in a fresh process: node --expose-gc bench/import-rss.mjs main|worker SPECS [BASE]
// SPECS/BASE: comma-separated module paths or package names; GARBAGE in BASE churns the young generation first.
// worker mode: a worker thread with YOUNG (MB) as maxYoungGenerationSizeMb imports them; the process's RSS is read.
// scenario mode (node --expose-gc bench/import-rss.mjs scenario FILE main|thread): RSS that loading and validating one
// scenario leaves behind, on the main thread (loadScenario) or in the short-lived thread `wsload run` uses.
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [mode, specs = '', base = ''] = process.argv.slice(2);
const toUrl = (x) =>
  x === 'GARBAGE' ? x : x.startsWith('.') || x.startsWith('/') ? pathToFileURL(resolve(x)).href : import.meta.resolve(x);
const list = (s) => s.split(',').filter(Boolean).map(toUrl);
const rss = () => process.memoryUsage().rss / 1048576;
const settle = async () => {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  return rss();
};
const load = async (urls) => {
  for (const u of urls) {
    if (u === 'GARBAGE') {
      let a;
      for (let i = 0; i < 3e6; i++) a = { i, s: 'x' + i };
      void a;
    } else await import(u);
  }
};
const r1d = (x) => Math.round(x * 10) / 10;

if (mode === 'scenario') {
  const where = base || 'thread';
  const r0 = await settle();
  const dist = pathToFileURL(resolve('dist/scenario')).href;
  const scenario =
    where === 'main'
      ? await (await import(`${dist}/load.js`)).loadScenario(specs, {})
      : await (await import(`${dist}/load-thread.js`)).loadScenarioInThread(specs, {});
  const r1 = await settle();
  console.log(JSON.stringify({ mode, file: specs, where, name: scenario.name, before: r1d(r0), after: r1d(r1), delta: r1d(r1 - r0) }));
} else if (mode === 'main') {
  const r0 = await settle();
  await load(list(base));
  const r1 = await settle();
  await load(list(specs));
  const r2 = await settle();
  console.log(JSON.stringify({ mode, specs, base, before: r1d(r0), base_: r1d(r1), after: r1d(r2), delta: r1d(r2 - r1) }));
} else {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const load = ${load.toString()};
    const settle = async () => { for (let i = 0; i < 4; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 50)); } };
    const step = async (name) => { await settle(); parentPort.postMessage(name); await new Promise((r) => parentPort.once('message', r)); };
    (async () => { await step('empty'); await load(workerData.base); await step('base'); await load(workerData.specs); await step('done'); })();`;
  const limits = process.env.YOUNG ? { maxYoungGenerationSizeMb: Number(process.env.YOUNG) } : {};
  const r0 = await settle();
  const w = new Worker(code, { eval: true, workerData: { specs: list(specs), base: list(base) }, resourceLimits: limits });
  const got = [];
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => w.once('message', r));
    got.push(await settle());
    w.postMessage(1);
  }
  await w.terminate();
  const [empty, b, after] = got;
  console.log(
    JSON.stringify({
      mode,
      specs,
      base,
      before: r1d(r0),
      isolate: r1d(empty - r0),
      base_: r1d(b - empty),
      after: r1d(after),
      delta: r1d(after - b),
    }),
  );
}
