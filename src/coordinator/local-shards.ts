/**
 * Local shards are agents on loopback: `wsload agent` child processes of this one, each told the
 * coordinator's address and, through the environment (never the command line), its token. Each is
 * started as the `wsload` command starts: node with the node flags and variables of bin/wsload.js's
 * `#!` line (launch-line.ts), whether or not this process was (`node bin/wsload.js` skips the line),
 * so a shard's heap and malloc settings are the command's; one process per shard, node itself, so
 * its PID is the one signalled and its exit code its own. They are killed by their PID on every way
 * out, this process's exit included.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TOKEN_ENV } from '../run/control-protocol.js';
import { launchLineOf } from './launch-line.js';

const BIN = fileURLToPath(new URL('../../bin/wsload.js', import.meta.url));
/** After the coordinator said `end`, how long a shard gets to exit on its own. */
const EXIT_GRACE_MS = 3_000;
/** The last stderr of a shard kept to explain why it ended before joining. */
const STDERR_TAIL = 2_000;

/** The running shard processes. */
export interface LocalShards {
  pids: number[];
  /** Kills every shard still running once it had EXIT_GRACE_MS to end on its own. */
  stop(): void;
}

/**
 * Spawns `count` shards (`shard-0` …) joining ws://127.0.0.1:port; `onEarlyExit` hears a shard
 * that ended with an error, with the last of its stderr.
 */
export function spawnLocalShards(
  count: number,
  port: number,
  token: string,
  onEarlyExit: (name: string, why: string) => void,
): LocalShards {
  const children: ChildProcess[] = [];
  const line = launchLineOf(BIN);
  for (let i = 0; i < count; i++) {
    const name = `shard-${i}`;
    const child = spawn(
      process.execPath,
      [...line.nodeArgs, BIN, 'agent', '--coordinator', `ws://127.0.0.1:${port}`, '--name', name, '--connect-timeout', '30s'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        // The line's variables over the inherited ones, as env sets them.
        env: { ...process.env, ...line.env, [TOKEN_ENV]: token },
      },
    );
    let tail = '';
    child.stderr?.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-STDERR_TAIL)));
    child.on('exit', (code, signal) => {
      if (code !== 0) onEarlyExit(name, `local shard ${name} ended (${signal ?? `exit code ${code}`}): ${lastLine(tail)}`);
    });
    child.on('error', (err) => onEarlyExit(name, `local shard ${name} could not start: ${err.message}`));
    children.push(child);
  }
  const killAll = (): void => {
    for (const c of children) {
      if (c.exitCode !== null || c.signalCode !== null || !c.pid) continue;
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // Already gone between the check and the kill.
      }
    }
  };
  process.once('exit', killAll);
  return {
    pids: children.map((c) => c.pid ?? 0),
    stop: () => {
      setTimeout(() => {
        process.removeListener('exit', killAll);
        killAll();
      }, EXIT_GRACE_MS).unref();
    },
  };
}

/** Its last line of its own: a crash's stack frames ("    at …") say less than the error above them. */
function lastLine(text: string): string {
  const lines = text
    .trim()
    .split('\n')
    .filter((l) => !/^\s+at /.test(l));
  return (lines[lines.length - 1] ?? '').replace(/^wsload: /, '') || 'no message';
}
