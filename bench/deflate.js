/**
 * BENCH_RUNS=deflate: what permessage-deflate costs wsload, the client. The same fan-out (sockets,
 * publish rate, hold) three times against the built-in target: compression off (as before), on
 * with context takeover (`"perMessageDeflate": true`, what browsers offer: a zlib inflate context
 * kept per socket), and on without it (`serverNoContextTakeover` + `clientNoContextTakeover`).
 * The target compresses every push when it accepts (threshold 0). Prints a line per run, then one
 * with CPU per delivery and memory per socket as ratios to the uncompressed run.
 */
import { runLine } from './lines.js';
import { runWsload } from './run-wsload.js';

const VARIANTS = [
  { name: 'off', deflate: undefined },
  { name: 'context-takeover', deflate: true },
  { name: 'no-context-takeover', deflate: { serverNoContextTakeover: true, clientNoContextTakeover: true } },
];

const round = (x, digits = 2) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 10 ** digits) / 10 ** digits);

/**
 * RSS per held socket in KB at the end of the hold (the process's fixed part included): not after
 * the ramp, since ws creates a socket's inflate context at its first compressed message.
 */
function kbPerSocket(line) {
  return line.held > 0 ? (line.rssMb.end * 1024) / line.held : null;
}

/**
 * @param {ReturnType<typeof import('./config.js').readBenchConfig>} cfg
 * @param {{ root: string, tmpDir: string }} ctx
 * @param {number} ticks
 * @param {(label: string, fn: () => Promise<object>) => Promise<object | null>} measure
 * @param {(obj: object) => void} print
 */
export async function deflateRuns(cfg, ctx, ticks, measure, print) {
  const rate = cfg.publishRates[0];
  const lines = {};
  for (const v of VARIANTS) {
    const spec = {
      connectRate: cfg.connectRate,
      maxPending: cfg.maxPending,
      holdSeconds: cfg.holdSeconds,
      localAddresses: [],
      run: `deflate-${v.name}`,
      sockets: cfg.sockets,
      publishRate: rate,
      workers: 1,
      ...(v.deflate !== undefined ? { perMessageDeflate: v.deflate } : {}),
    };
    const line = await measure(`wsload deflate ${v.name} (${cfg.sockets} sockets, ${rate} publishes/s)`, async () => {
      const run = runLine(await runWsload(spec, ctx), ticks);
      return { ...run, kbPerSocket: round(kbPerSocket(run), 1) };
    });
    if (line) lines[v.name] = line;
  }
  const off = lines.off;
  const ratio = (line, key) => (off && line && off[key] && line[key] !== null ? round(line[key] / off[key]) : null);
  print({
    run: 'deflate-summary',
    sockets: cfg.sockets,
    publishRate: rate,
    cpuPer10kDeliveriesPerSec: Object.fromEntries(Object.entries(lines).map(([k, l]) => [k, l.cpuPer10kDeliveriesPerSec])),
    kbPerSocket: Object.fromEntries(Object.entries(lines).map(([k, l]) => [k, l.kbPerSocket])),
    ratios: Object.fromEntries(
      VARIANTS.filter((v) => v.name !== 'off').map((v) => [
        v.name,
        { cpuPerDelivery: ratio(lines[v.name], 'cpuPer10kDeliveriesPerSec'), kbPerSocket: ratio(lines[v.name], 'kbPerSocket') },
      ]),
    ),
    lost: Object.fromEntries(Object.entries(lines).map(([k, l]) => [k, l.lost])),
  });
}
