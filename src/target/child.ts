/**
 * Entry of the embedded target's child process (forked by embedded.ts with an IPC channel).
 * argv: [host, port, processes, "deflate"?] ("deflate": accept permessage-deflate). With one process it serves the target itself; with more it is
 * the primary of that many target worker processes (cluster-primary.ts). Tells the parent
 * {type:'listening', port, pids} or {type:'error', message}; exits on SIGTERM or when the parent
 * goes away (IPC 'disconnect'), and with code 1 and a stderr line when a target worker dies.
 */
import { startTargetCluster } from './cluster-primary.js';
import { DEFLATE_ARG } from './cluster-messages.js';
import { startTarget } from './server.js';

/** Messages this process sends to its parent. */
export type ChildMessage = { type: 'listening'; port: number; pids: number[] } | { type: 'error'; message: string };

interface Served {
  port: number;
  /** The processes holding sockets: this one, or its workers. */
  pids: number[];
  close(): Promise<void>;
  /** A worker's one-line epitaph; never resolves with one process. */
  died: Promise<string>;
}

function tell(msg: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(msg, () => resolve());
  });
}

async function serve(host: string, port: number, processes: number, perMessageDeflate: boolean): Promise<Served> {
  if (processes <= 1) {
    const t = await startTarget({ host, port, perMessageDeflate });
    return { port: t.port, pids: [process.pid], close: () => t.close(), died: new Promise<string>(() => {}) };
  }
  const c = await startTargetCluster({ host, port, processes, perMessageDeflate });
  return { port: c.port, pids: c.pids, close: () => c.close(), died: c.died };
}

async function main(): Promise<void> {
  if (!process.send) {
    process.stderr.write('wsload target child: must be started by wsload (no IPC channel); use `wsload serve` instead\n');
    process.exitCode = 2;
    return;
  }
  // Ctrl+C reaches the whole process group; the parent decides when the target stops, so a run
  // winding down after SIGINT does not see its sockets dropped under it.
  process.on('SIGINT', () => {});
  // So does the SIGHUP of a closed terminal (a shell sends it to every process of the job).
  process.on('SIGHUP', () => {});

  const host = process.argv[2] || '127.0.0.1';
  const port = Number(process.argv[3] ?? 0);
  const processes = Number(process.argv[4] ?? 1);
  let target: Served;
  try {
    target = await serve(
      host,
      Number.isSafeInteger(port) ? port : 0,
      Number.isSafeInteger(processes) ? processes : 1,
      process.argv[5] === DEFLATE_ARG,
    );
  } catch (err) {
    process.exitCode = 1;
    await tell({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    if (process.connected) process.disconnect();
    return;
  }

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    // If closing ever hangs, the parent's SIGKILL (or this guard) still ends the process.
    setTimeout(() => process.exit(0), 4000).unref();
    void target.close().then(() => {
      if (process.connected) process.disconnect();
    });
  };
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
  // One process gone means its sockets are gone: the run must hear it, not carry on on fewer.
  void target.died.then((why) => {
    if (stopping) return;
    process.stderr.write(`${why}\n`);
    process.exitCode = 1;
    stop();
  });
  if (!process.connected) {
    stop();
    return;
  }
  await tell({ type: 'listening', port: target.port, pids: target.pids });
}

void main();
