/**
 * Entry of one worker process of a multi-process target (forked by cluster-primary.ts through
 * node:cluster, argv: [host, port]). It serves its share of the sockets and hands every publish,
 * drop and stats request to the primary, which fans it out to all workers, this one included.
 */
import cluster from 'node:cluster';
import { DEFLATE_ARG, isPrimaryMessage, type PrimaryMessage, type WorkerMessage } from './cluster-messages.js';
import { listenTarget } from './listen-target.js';
import type { RunningTarget, TargetRelay, TargetStats } from './types.js';

type Reply = Extract<PrimaryMessage, { t: 'reply' }>;

const waiting = new Map<number, (reply: Reply) => void>();
let nextRid = 1;

function tell(msg: WorkerMessage): void {
  if (process.connected && process.send) process.send(msg);
}

function ask(make: (rid: number) => WorkerMessage): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    if (!process.connected) return reject(new Error('the target primary process is gone'));
    const rid = nextRid++;
    waiting.set(rid, resolve);
    tell(make(rid));
  });
}

const relay: TargetRelay = {
  publish: async (req) => (await ask((rid) => ({ t: 'publish', rid, id: req.id, value: req.value }))).n,
  drop: async (req) => (await ask((rid) => ({ t: 'drop', rid, mode: req.mode, count: req.count, share: req.share }))).n,
  stats: async (): Promise<TargetStats> => {
    const reply = await ask((rid) => ({ t: 'stats', rid }));
    if (reply.stats === null) throw new Error('the target primary sent no stats');
    return reply.stats;
  },
};

function onCommand(target: RunningTarget, msg: PrimaryMessage): void {
  switch (msg.t) {
    case 'reply': {
      const resolve = waiting.get(msg.rid);
      waiting.delete(msg.rid);
      resolve?.(msg);
      return;
    }
    case 'push': {
      const n = target.local.push({ id: msg.id, value: msg.value });
      tell({ t: 'ack', cid: msg.cid, n, stats: target.local.stats() });
      return;
    }
    case 'end': {
      const n = target.local.drop(msg.mode, msg.count);
      tell({ t: 'ack', cid: msg.cid, n, stats: target.local.stats() });
      return;
    }
    case 'count':
      tell({ t: 'ack', cid: msg.cid, n: 0, stats: target.local.stats() });
      return;
  }
}

async function main(): Promise<void> {
  if (!cluster.isWorker) {
    process.stderr.write('wsload target worker: must be started by wsload (not a cluster worker); use `wsload serve` instead\n');
    process.exitCode = 2;
    return;
  }
  // Ctrl+C reaches the whole process group; the primary decides when its workers stop, so it
  // can still count their sockets.
  process.on('SIGINT', () => {});
  // So does the SIGHUP of a closed terminal (a shell sends it to every process of the job).
  process.on('SIGHUP', () => {});
  const host = process.argv[2] || '127.0.0.1';
  const port = Number(process.argv[3] ?? 0);
  let target: RunningTarget;
  try {
    target = await listenTarget({
      host,
      port: Number.isSafeInteger(port) ? port : 0,
      relay,
      perMessageDeflate: process.argv[4] === DEFLATE_ARG,
    });
  } catch (err) {
    tell({ t: 'error', message: err instanceof Error ? err.message : String(err) });
    process.exitCode = 1;
    // cluster ends a worker whose channel closes; the primary already has the reason.
    process.disconnect();
    return;
  }
  process.on('message', (msg: unknown) => {
    if (isPrimaryMessage(msg)) onCommand(target, msg);
  });
  process.once('SIGTERM', () => {
    setTimeout(() => process.exit(0), 2000).unref();
    void target.close().then(() => process.exit(0));
  });
  // node:cluster itself exits a worker whose primary went away (unexpected 'disconnect'), so no
  // worker outlives a SIGKILLed primary.
  tell({ t: 'listening', port: target.port });
}

void main();
