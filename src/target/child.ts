/**
 * Entry of the embedded target's child process (forked by embedded.ts with an IPC channel).
 * argv: [host, port]. Tells the parent {type:'listening', port} or {type:'error', message};
 * exits on SIGTERM or when the parent goes away (IPC 'disconnect').
 */
import { startTarget } from './server.js';
import type { RunningTarget } from './types.js';

/** Messages this process sends to its parent. */
export type ChildMessage = { type: 'listening'; port: number } | { type: 'error'; message: string };

function tell(msg: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(msg, () => resolve());
  });
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

  const host = process.argv[2] || '127.0.0.1';
  const port = Number(process.argv[3] ?? 0);
  let target: RunningTarget;
  try {
    target = await startTarget({ host, port: Number.isSafeInteger(port) ? port : 0 });
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
    setTimeout(() => process.exit(0), 2000).unref();
    void target.close().then(() => {
      if (process.connected) process.disconnect();
    });
  };
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
  if (!process.connected) {
    stop();
    return;
  }
  await tell({ type: 'listening', port: target.port });
}

void main();
