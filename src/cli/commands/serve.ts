import { availableParallelism } from 'node:os';
import { plural } from '../../text/plural.js';
import type { Command } from 'commander';
import { EXIT, TargetError, UsageError } from '../../errors.js';
import { readMachineLimits } from '../../machine-limits.js';
import { startTargetCluster, type TargetCluster } from '../../target/cluster-primary.js';
import { MAX_TARGET_PROCESSES, socketsPerTargetProcess, targetProcessesFor } from '../../target/process-count.js';
import { startTarget } from '../../target/server.js';
import type { RunningTarget } from '../../target/server.js';
import { SHIPPED_SERVICE_PORT } from '../../target/service.js';
import { refuseServiceFlags, serveService, type ServiceFlags } from './serve-service.js';

interface ServeFlags extends ServiceFlags {
  host: string;
  port?: string;
  processes?: string;
  connections?: string;
  service?: boolean;
  perMessageDeflate?: boolean;
}

/** The demo target's port when --port is not given. */
const DEMO_PORT = 8888;

/** Registers `wsload serve`: runs the built-in demo target until SIGINT or SIGTERM. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'run the built-in demo target (page on /, WebSocket on /ws, publish with GET /api?id=8&value=300), or with --service the push service of the real-service scenarios',
    )
    .option('--host <host>', 'address to listen on (use 0.0.0.0 to serve your LAN)', '127.0.0.1')
    .option('--port <port>', `port to listen on (0 = any free port; default ${DEMO_PORT}, ${SHIPPED_SERVICE_PORT} with --service)`)
    .option(
      '--processes <n|auto>',
      `processes sharing the port, sockets spread round-robin, every publish reaching all (1-${MAX_TARGET_PROCESSES}; auto: enough for --connections under the open-file limit, else one per CPU; default 1)`,
    )
    .option('--connections <n>', 'sockets the target must hold: sizes --processes auto, and is checked against the open-file limit')
    .option(
      '--service',
      `instead of the demo: the push service the shipped real-service scenarios address (subscribe and topics, POST/GET/chat publish, a server stream) on port ${SHIPPED_SERVICE_PORT}`,
    )
    .option(
      '--publish-token <token>',
      'with --service: the Bearer token publishes must present (default change-me, as the shipped scenarios)',
    )
    .option(
      '--tokens <file>',
      'with --service: accept only the sockets whose token is in this identities file ("token" field of a CSV or JSON lines, like scenarios/users.csv)',
    )
    .option('--binary', 'with --service: push binary frames (UTF-8 JSON) instead of text')
    .option(
      '--per-message-deflate',
      'accept permessage-deflate when a client offers it, and compress every push (default: refused, as before; not with --service)',
    )
    .option(
      '--stream-interval <duration>',
      'with --service: how often the service pushes its own stream on topic prices (default 100ms; 0 = no stream)',
    )
    .addHelpText(
      'after',
      [
        '',
        'Endpoints:',
        '  GET /                       demo page: id/value table updated live over /ws',
        '  GET /api?id=8&value=300     push {"id":"8","value":"300"} to every open socket',
        '  GET /admin/drop?mode=M&count=N   end N sockets (or share=0..1 of them), oldest first:',
        '      mode=close    close frame 1001 "going away"',
        '      mode=destroy  TCP close without a close frame (clients see 1006)',
        '      mode=reset    TCP reset without a close frame (1006, ECONNRESET)',
        '      with several processes, N is split over them in proportion to their open sockets',
        '  GET /admin/stats            JSON: open, accepted, publishes, and per process pid, open, accepted, delivered',
        '',
        `With --service (port ${SHIPPED_SERVICE_PORT}), the protocol of scenarios/subscribe.json, topics.json, post-publish.json,`,
        'chat-publish.json, match-nested.json, server-stream.json and chat-rooms.json (scenarios/README.md):',
        '  WebSocket on any path, ?token=T or Authorization: Bearer T, ?topic=t or {"type":"subscribe","topic":"t"}',
        '  POST /publish (Bearer token, JSON body with "topic"), GET /publish?topic=t&...&auth=TOKEN,',
        '  {"type":"publish","topic":"t",...} on a socket; its own stream on topic prices; GET /admin/stats',
      ].join('\n'),
    )
    .action(async (flags: ServeFlags) => {
      if (flags.service === true) {
        if (flags.processes !== undefined && flags.processes.trim() !== '1')
          throw new UsageError('--processes: the push service (--service) runs in one process');
        if (flags.connections !== undefined)
          throw new UsageError("--connections: only without --service (it sizes the demo target's processes)");
        if (flags.perMessageDeflate === true) throw new UsageError('--per-message-deflate: only without --service (the demo target)');
        await serveService(flags.host, parsePort(flags.port ?? String(SHIPPED_SERVICE_PORT)), flags, nextSignal);
        return;
      }
      refuseServiceFlags(flags);
      const port = parsePort(flags.port ?? String(DEMO_PORT));
      const processes = parseProcesses(
        flags.processes ?? '1',
        flags.connections === undefined ? null : parseConnections(flags.connections),
      );
      const deflate = flags.perMessageDeflate === true;
      await (processes === 1 ? serveOne(flags.host, port, deflate) : serveMany(flags.host, port, processes, deflate));
    });
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(port) || port > 65535) {
    throw new UsageError(`--port: expected an integer from 0 to 65535, got "${text}"`);
  }
  return port;
}

function parseConnections(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`--connections: expected an integer >= 1, got "${text}"`);
  }
  return n;
}

function parseProcesses(text: string, connections: number | null): number {
  const openFiles = readMachineLimits().openFiles;
  if (text.trim() === 'auto') {
    if (connections !== null) return targetProcessesFor(connections, openFiles);
    return Math.min(MAX_TARGET_PROCESSES, availableParallelism());
  }
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1 || n > MAX_TARGET_PROCESSES) {
    throw new UsageError(`--processes: expected an integer from 1 to ${MAX_TARGET_PROCESSES} or auto, got "${text}"`);
  }
  const each = socketsPerTargetProcess(openFiles);
  if (connections !== null && each !== null && connections > n * each) {
    const need = targetProcessesFor(connections, openFiles);
    throw new UsageError(
      `--connections: ${connections} sockets need ${need} target processes under the open-file limit ${openFiles} (${each} sockets each); use --processes ${need} or --processes auto`,
    );
  }
  return n;
}

function listenFailed(err: unknown): unknown {
  if (err instanceof TargetError) return new UsageError(`serve: ${err.message} (choose another --port or --host)`);
  return err;
}

function printListening(httpUrl: string, wsUrl: string): void {
  process.stdout.write(`wsload target listening on ${httpUrl} (WebSocket ${wsUrl})\n`);
  process.stdout.write(`  try: curl "${httpUrl}/api?id=8&value=300"   drop sockets: ${httpUrl}/admin/drop?mode=close&count=1\n`);
}

function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

function printStopped(signal: NodeJS.Signals, open: number): void {
  process.stdout.write(`wsload target stopped (${signal}, closed ${plural(open, 'socket')})\n`);
}

async function serveOne(host: string, port: number, perMessageDeflate: boolean): Promise<void> {
  let target: RunningTarget;
  try {
    target = await startTarget({ host, port, perMessageDeflate });
  } catch (err) {
    throw listenFailed(err);
  }
  printListening(target.httpUrl, target.wsUrl);
  const signal = await nextSignal();
  const open = target.clients();
  await target.close();
  printStopped(signal, open);
}

async function serveMany(host: string, port: number, processes: number, perMessageDeflate: boolean): Promise<void> {
  // Listening for signals before the workers start: a Ctrl+C while they come up stops them too.
  const signalled = nextSignal();
  let target: TargetCluster;
  try {
    target = await startTargetCluster({ host, port, processes, perMessageDeflate });
  } catch (err) {
    throw listenFailed(err);
  }
  printListening(target.httpUrl, target.wsUrl);
  process.stdout.write(
    `  ${processes} processes (pids ${target.pids.join(', ')}), sockets spread round-robin; counts per process: ${target.httpUrl}/admin/stats\n`,
  );
  const ended = await Promise.race([signalled.then((sig) => ({ sig, died: null })), target.died.then((died) => ({ sig: null, died }))]);
  if (ended.died !== null) {
    process.stderr.write(`wsload: serve: ${ended.died}; stopping the other target processes\n`);
    await target.close();
    process.exitCode = EXIT.failures;
    return;
  }
  const open = (await target.stats()).open;
  await target.close();
  printStopped(ended.sig, open);
}
