/**
 * `wsload serve --service`: the built-in push service (src/target/service.ts) that the shipped
 * real-service scenarios address at 127.0.0.1:8080, until SIGINT or SIGTERM.
 */
import { plural } from '../../text/plural.js';
import { resolve } from 'node:path';
import { TargetError, UsageError } from '../../errors.js';
import { formatDuration } from '../../duration.js';
import { readIdentities } from '../../scenario/identities-file.js';
import { SHIPPED_STREAM, startService, type RunningService } from '../../target/service.js';
import { parseDurationFlag } from '../duration-flag.js';

/** The flags only the service takes; each is refused without --service. */
export interface ServiceFlags {
  publishToken?: string;
  tokens?: string;
  binary?: boolean;
  streamInterval?: string;
}

/** Flag name → its key in ServiceFlags, for "only with --service". */
const SERVICE_ONLY: readonly [string, keyof ServiceFlags][] = [
  ['--publish-token', 'publishToken'],
  ['--tokens', 'tokens'],
  ['--binary', 'binary'],
  ['--stream-interval', 'streamInterval'],
];

/** Refuses the service's flags on the demo target (they would be ignored silently). */
export function refuseServiceFlags(flags: ServiceFlags): void {
  for (const [name, key] of SERVICE_ONLY) if (flags[key] !== undefined) throw new UsageError(`${name}: only with --service`);
}

/** The `token` field of an identities file (CSV with a header row, or JSON lines), as the scenarios' identities. */
function readTokens(file: string): string[] {
  const table = readIdentities(resolve(file));
  if ('message' in table) throw new UsageError(`--tokens: ${table.message}`);
  const column = table.fields.indexOf('token');
  if (column < 0) throw new UsageError(`--tokens: ${file} has no "token" field (it has ${table.fields.join(', ')})`);
  return table.rows.map((row) => row[column]);
}

function streamIntervalMs(text: string | undefined): number {
  if (text === undefined) return SHIPPED_STREAM.intervalMs;
  if (/^\s*0+(ms|s)?\s*$/.test(text)) return 0;
  return parseDurationFlag('--stream-interval', text);
}

/** Runs the service on host:port until a signal; resolves once it stopped. */
export async function serveService(
  host: string,
  port: number,
  flags: ServiceFlags,
  nextSignal: () => Promise<NodeJS.Signals>,
): Promise<void> {
  const tokens = flags.tokens === undefined ? undefined : readTokens(flags.tokens);
  const intervalMs = streamIntervalMs(flags.streamInterval);
  if (flags.publishToken !== undefined && flags.publishToken.trim() === '')
    throw new UsageError('--publish-token: expected a token, got ""');
  let service: RunningService;
  try {
    service = await startService({
      host,
      port,
      publishToken: flags.publishToken,
      tokens,
      binary: flags.binary === true,
      stream: intervalMs > 0 ? { topic: SHIPPED_STREAM.topic, intervalMs } : null,
    });
  } catch (err) {
    if (err instanceof TargetError) throw new UsageError(`serve --service: ${err.message} (choose another --port or --host)`);
    throw err;
  }
  const signalled = nextSignal();
  const out = process.stdout;
  out.write(
    `wsload push service listening on ${service.httpUrl} (WebSocket upgrades on any path: ${service.httpUrl.replace(/^http/, 'ws')}/…)\n`,
  );
  out.write(
    `  publish token: ${flags.publishToken ?? 'change-me'} · socket tokens: ${tokens ? `${tokens.length} from ${flags.tokens ?? ''}` : 'any'} · pushes as ${flags.binary ? 'binary' : 'text'} frames`,
  );
  out.write(` · stream: ${intervalMs > 0 ? `topic ${SHIPPED_STREAM.topic} every ${formatDuration(intervalMs)}` : 'off'}\n`);
  out.write(`  try: npx wsload run scenarios/subscribe.json   counts: ${service.httpUrl}/admin/stats\n`);
  const signal = await signalled;
  const open = service.clients();
  await service.close();
  out.write(`wsload push service stopped (${signal}, closed ${plural(open, 'socket')})\n`);
}
