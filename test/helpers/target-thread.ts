/**
 * The real target core (dist/target/listen-target.js) in a worker thread of its own: a publish API
 * whose answer times are its own, whatever the test's main thread (which is also the run's: it
 * publishes and handles the answers) is doing. A target in the main thread would stall with it, and
 * wsload's own delay would read as the API's.
 *
 * Each publish can be held `delayMs[seq]` ms (push and answer), and the target tells the test when
 * it starts holding the publishes listed in `announce`, so the test can keep its main thread busy
 * while that answer is on its way: the answer then waits for wsload, not for the API.
 */
import { Worker } from 'node:worker_threads';

export interface ThreadTargetOptions {
  /** Milliseconds to hold publish `seq` (1-based count of /api calls) before pushing and answering. */
  delayMs?: Record<number, number>;
  /** Hold every publish this long unless `delayMs` says otherwise. */
  everyMs?: number;
  /** Publishes whose hold start is announced to the test (onHold). */
  announce?: readonly number[];
}

export interface ThreadTarget {
  wsUrl: string;
  /** Called (in the test's thread) when the target starts holding an announced publish. */
  onHold(listener: (seq: number, delayMs: number) => void): void;
  close(): Promise<void>;
}

const LISTEN_TARGET = new URL('../../dist/target/listen-target.js', import.meta.url).href;

// The thread's module: ESM from a data: URL, importing the compiled target core by its file URL.
const SOURCE = `
import { parentPort, workerData } from 'node:worker_threads';
const { listenTarget } = await import(workerData.listenTarget);
const { delayMs, everyMs, announce } = workerData;
const timers = new Set();
const publish = (ctx) => new Promise((resolve) => {
  const ms = delayMs[ctx.seq] ?? everyMs;
  if (announce.includes(ctx.seq)) parentPort.postMessage({ type: 'hold', seq: ctx.seq, delayMs: ms });
  const answer = () => {
    const { delivered } = ctx.deliver();
    resolve({ status: 200, body: 'sent to ' + delivered });
  };
  if (ms <= 0) return answer();
  const t = setTimeout(() => { timers.delete(t); answer(); }, ms);
  timers.add(t);
});
const target = await listenTarget({ host: '127.0.0.1', port: 0, hooks: { publish } });
parentPort.on('message', async (m) => {
  if (m !== 'close') return;
  for (const t of timers) clearTimeout(t);
  await target.close();
  parentPort.postMessage({ type: 'closed' });
});
parentPort.postMessage({ type: 'listening', wsUrl: target.wsUrl });
`;

/** Starts the target thread; resolves once it listens on 127.0.0.1 and a free port. */
export async function startThreadTarget(opts: ThreadTargetOptions = {}): Promise<ThreadTarget> {
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(SOURCE)}`), {
    workerData: { listenTarget: LISTEN_TARGET, delayMs: opts.delayMs ?? {}, everyMs: opts.everyMs ?? 0, announce: opts.announce ?? [] },
  });
  const listeners: ((seq: number, delayMs: number) => void)[] = [];
  const wsUrl = await new Promise<string>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (m: { type: string; wsUrl?: string; seq?: number; delayMs?: number }) => {
      if (m.type === 'listening') resolve(m.wsUrl ?? '');
      else if (m.type === 'hold') for (const l of listeners) l(m.seq ?? 0, m.delayMs ?? 0);
    });
  });
  return {
    wsUrl,
    onHold: (listener) => {
      listeners.push(listener);
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => worker.on('message', (m: { type: string }) => m.type === 'closed' && resolve()));
      worker.postMessage('close');
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000))]);
      await worker.terminate();
    },
  };
}
