import type { Command } from 'commander';
import { TargetError, UsageError } from '../../errors.js';
import { startTarget } from '../../target/server.js';
import type { RunningTarget } from '../../target/server.js';

interface ServeFlags {
  host: string;
  port: string;
}

/** Registers `wsload serve`: runs the built-in demo target until SIGINT or SIGTERM. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the built-in demo target: page on /, WebSocket on /ws, publish with GET /api?id=8&value=300')
    .option('--host <host>', 'address to listen on (use 0.0.0.0 to serve your LAN)', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', '8888')
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
      ].join('\n'),
    )
    .action(async (flags: ServeFlags) => {
      await serve(flags.host, parsePort(flags.port));
    });
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(port) || port > 65535) {
    throw new UsageError(`--port: expected an integer from 0 to 65535, got "${text}"`);
  }
  return port;
}

async function serve(host: string, port: number): Promise<void> {
  let target: RunningTarget;
  try {
    target = await startTarget({ host, port });
  } catch (err) {
    if (err instanceof TargetError) throw new UsageError(`serve: ${err.message} (choose another --port or --host)`);
    throw err;
  }
  process.stdout.write(`wsload target listening on ${target.httpUrl} (WebSocket ${target.wsUrl})\n`);
  process.stdout.write(`  try: curl "${target.httpUrl}/api?id=8&value=300"   drop sockets: ${target.httpUrl}/admin/drop?mode=close&count=1\n`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  const open = target.clients();
  await target.close();
  process.stdout.write(`wsload target stopped (${signal}, closed ${open} socket${open === 1 ? '' : 's'})\n`);
}
