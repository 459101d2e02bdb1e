/**
 * Which packages a fresh worker thread holds after importing parts of dist/: the on-demand loading
 * tests (protocol codecs, prom-client) run a probe source in a new isolate, so what the test
 * process itself imported does not count.
 */
import { Worker } from 'node:worker_threads';

/** The built code, as a file URL ending in "/". */
export const DIST = new URL('../../dist/', import.meta.url).href;

/** Probe source of `loaded()`: how many CommonJS modules of node_modules/<pkg> the worker's loader holds. */
export function loadedModulesOf(pkg: string): string {
  return `const loaded = () => Object.keys(require('node:module').createRequire(workerData.dist).cache).filter((p) => /[\\\\/]node_modules[\\\\/]${pkg}[\\\\/]/.test(p)).length;`;
}

/**
 * Probe source of `parsedScripts()`: the URL of every script the worker's isolate has compiled,
 * ES modules of dist/ included (the CommonJS cache above holds only packages). An inspector
 * session on the worker itself replays them on Debugger.enable, synchronously.
 */
export const PARSED_SCRIPTS = `const parsedScripts = () => { const s = new (require('node:inspector').Session)(); const urls = []; s.connect(); s.on('Debugger.scriptParsed', (m) => urls.push(m.params.url)); s.post('Debugger.enable'); s.post('Debugger.disable'); s.disconnect(); return urls; };`;

/** Runs `source` (CommonJS, `workerData.dist` set) in a fresh worker and resolves with its first `messages` messages. */
export function probeWorker(source: string, workerData: Record<string, unknown> = {}, messages = 1): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(source, { eval: true, workerData: { dist: DIST, ...workerData } });
    const got: unknown[] = [];
    w.on('message', (m) => {
      got.push(m);
      if (got.length < messages) return;
      resolve(got);
      void w.terminate();
    });
    w.once('error', reject);
  });
}
