/**
 * Benchmark settings from BENCH_* environment variables. Defaults are the figures of issues 2
 * and 3: 10,000 sockets held 20 s at ~50k and ~80k deliveries/s, workers 1 (like for like with
 * the single-thread baseline) plus one workers 2 line, and a 5,000-socket soak with churn.
 */

/**
 * @typedef {object} BenchConfig
 * @property {number} sockets           BENCH_SOCKETS
 * @property {number} holdSeconds       BENCH_HOLD_SECONDS
 * @property {number} connectRate       BENCH_CONNECT_RATE (new sockets/s, the same limit for both tools)
 * @property {number} maxPending        BENCH_MAX_PENDING (handshakes in flight, the same for both tools)
 * @property {number[]} publishRates    BENCH_RATES (publishes/s), or BENCH_DELIVERIES / sockets
 * @property {Set<string>} runs         BENCH_RUNS: compare, workers2, soak, soak-memory, large, compare-repeat
 * @property {{ runs: number, delayed: number, shortDelayed: number, sockets: number, rate: number, seconds: number, shortSeconds: number, delayMs: number, shortDelayMs: number, side: number, sidePairs: number }} repeat
 *   compare-repeat: BENCH_REPEAT_RUNS, BENCH_REPEAT_DELAYED, BENCH_REPEAT_SHORT_DELAYED, BENCH_REPEAT_SOCKETS,
 *   BENCH_REPEAT_RATE, BENCH_REPEAT_SECONDS, BENCH_REPEAT_SHORT_SECONDS, BENCH_REPEAT_DELAY_MS,
 *   BENCH_REPEAT_SHORT_DELAY_MS, BENCH_REPEAT_SIDE, BENCH_REPEAT_SIDE_PAIRS
 * @property {number} soakSeconds       BENCH_SOAK_SECONDS
 * @property {number} soakSockets       BENCH_SOAK_SOCKETS
 * @property {number} soakRate          BENCH_SOAK_RATE (publishes/s)
 * @property {number} soakDropEverySeconds BENCH_SOAK_DROP_EVERY
 * @property {number} soakDropCount     BENCH_SOAK_DROP_COUNT (sockets destroyed per drop)
 * @property {boolean} soakMetrics      BENCH_SOAK_METRICS (1: --metrics on and scraped every second; 0: off, to see its cost)
 * @property {number} largeSockets      BENCH_LARGE_SOCKETS
 * @property {string[]} localAddresses  BENCH_LOCAL_ADDRESSES=n → 127.0.0.1 … 127.0.0.n (large run)
 * @property {{ sockets: number, holdSeconds: number, connectRate: number, maxPending: number, rounds: number, setups: { name: string, publishRate: number, targetProcesses: number }[] }} ratios
 *   ratios run: BENCH_RATIO_SOCKETS, BENCH_RATIO_HOLD_SECONDS, BENCH_RATIO_ROUNDS, BENCH_RATIO_RATE,
 *   BENCH_RATIO_HIGH_RATE, BENCH_RATIO_TARGET_PROCESSES (connect rate and handshakes in flight as the comparison runs)
 * @property {{ sockets: number, processes: number, publishes: number }} target
 *   target run: BENCH_TARGET_SOCKETS, BENCH_TARGET_PROCESSES, BENCH_TARGET_PUBLISHES
 * @property {{ sockets: number, refSockets: number, rate: number, holdSeconds: number, connectRate: number, maxPending: number, addresses: number, raw: boolean }} scale
 *   scale run: BENCH_SCALE_SOCKETS, BENCH_SCALE_REF_SOCKETS, BENCH_SCALE_RATE, BENCH_SCALE_SECONDS,
 *   BENCH_SCALE_CONNECT_RATE, BENCH_SCALE_MAX_PENDING, BENCH_SCALE_ADDRESSES, BENCH_SCALE_RAW
 */

const RUN_NAMES = [
  'ratios',
  'compare',
  'workers2',
  'soak',
  'soak-memory',
  'large',
  'compare-repeat',
  'target',
  'scale',
  'protocols',
  'deflate',
];

/** Reads the settings; throws an Error naming the variable on a bad value. @returns {BenchConfig} */
export function readBenchConfig(env = process.env) {
  const sockets = intVar(env, 'BENCH_SOCKETS', 10_000, 1, 19_000);
  const deliveries = listVar(env, 'BENCH_DELIVERIES', [50_000, 80_000]);
  const ratesGiven = env.BENCH_RATES !== undefined && env.BENCH_RATES !== '';
  const publishRates = ratesGiven ? listVar(env, 'BENCH_RATES', []) : deliveries.map((d) => roundRate(d / sockets));
  const runsText = env.BENCH_RUNS ?? `ratios,compare,workers2,soak,soak-memory${env.BENCH_LARGE === '1' ? ',large' : ''}`;
  const runs = new Set(
    runsText
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );
  for (const r of runs) {
    if (!RUN_NAMES.includes(r)) throw new Error(`BENCH_RUNS: unknown run "${r}"; expected a list of ${RUN_NAMES.join(', ')}`);
  }
  if (env.BENCH_LARGE === '1') runs.add('large');
  const soakSockets = intVar(env, 'BENCH_SOAK_SOCKETS', 5000, 1, 19_000);
  const localCount = intVar(env, 'BENCH_LOCAL_ADDRESSES', 4, 0, 254);
  return {
    sockets,
    holdSeconds: numVar(env, 'BENCH_HOLD_SECONDS', 20, 1, 3600),
    connectRate: numVar(env, 'BENCH_CONNECT_RATE', 10_000, 1, 1_000_000),
    maxPending: intVar(env, 'BENCH_MAX_PENDING', 200, 1, 100_000),
    publishRates,
    runs,
    soakSeconds: numVar(env, 'BENCH_SOAK_SECONDS', 120, 1, 86_400),
    soakSockets,
    soakRate: numVar(env, 'BENCH_SOAK_RATE', 2, 0.1, 10_000),
    soakDropEverySeconds: numVar(env, 'BENCH_SOAK_DROP_EVERY', 5, 0.5, 3600),
    soakDropCount: intVar(env, 'BENCH_SOAK_DROP_COUNT', Math.max(1, Math.round(soakSockets * 0.02)), 1, 19_000),
    soakMetrics: intVar(env, 'BENCH_SOAK_METRICS', 1, 0, 1) === 1,
    largeSockets: intVar(env, 'BENCH_LARGE_SOCKETS', 18_000, 1, 19_500),
    localAddresses: Array.from({ length: localCount }, (_, i) => `127.0.0.${i + 1}`),
    scale: {
      sockets: intVar(env, 'BENCH_SCALE_SOCKETS', 100_000, 1, 1_000_000),
      refSockets: intVar(env, 'BENCH_SCALE_REF_SOCKETS', 10_000, 1, 17_000),
      rate: numVar(env, 'BENCH_SCALE_RATE', 0.2, 0.01, 100),
      holdSeconds: numVar(env, 'BENCH_SCALE_SECONDS', 60, 1, 3600),
      connectRate: numVar(env, 'BENCH_SCALE_CONNECT_RATE', 4000, 1, 1_000_000),
      maxPending: intVar(env, 'BENCH_SCALE_MAX_PENDING', 200, 1, 100_000),
      addresses: intVar(env, 'BENCH_SCALE_ADDRESSES', 6, 1, 250),
      raw: intVar(env, 'BENCH_SCALE_RAW', 1, 0, 1) === 1,
    },
    ratios: {
      sockets: intVar(env, 'BENCH_RATIO_SOCKETS', 10_000, 1, 19_000),
      holdSeconds: numVar(env, 'BENCH_RATIO_HOLD_SECONDS', 20, 1, 3600),
      connectRate: numVar(env, 'BENCH_CONNECT_RATE', 10_000, 1, 1_000_000),
      maxPending: intVar(env, 'BENCH_MAX_PENDING', 200, 1, 100_000),
      // Each tool this many times per set-up, interleaved; 2 at least, so each has a noise figure.
      rounds: intVar(env, 'BENCH_RATIO_ROUNDS', 2, 2, 20),
      setups: [
        { name: 'default', publishRate: numVar(env, 'BENCH_RATIO_RATE', 3, 0.1, 10_000), targetProcesses: 1 },
        {
          name: 'high',
          publishRate: numVar(env, 'BENCH_RATIO_HIGH_RATE', 8, 0.1, 10_000),
          targetProcesses: intVar(env, 'BENCH_RATIO_TARGET_PROCESSES', 2, 1, 64),
        },
      ],
    },
    target: {
      sockets: intVar(env, 'BENCH_TARGET_SOCKETS', 15_000, 1, 19_000),
      processes: intVar(env, 'BENCH_TARGET_PROCESSES', 3, 2, 64),
      publishes: intVar(env, 'BENCH_TARGET_PUBLISHES', 20, 1, 1000),
    },
    repeat: {
      runs: intVar(env, 'BENCH_REPEAT_RUNS', 9, 2, 100),
      delayed: intVar(env, 'BENCH_REPEAT_DELAYED', 6, 0, 100),
      shortDelayed: intVar(env, 'BENCH_REPEAT_SHORT_DELAYED', 4, 0, 100),
      sockets: intVar(env, 'BENCH_REPEAT_SOCKETS', 200, 1, 19_000),
      rate: numVar(env, 'BENCH_REPEAT_RATE', 10, 0.1, 10_000),
      seconds: numVar(env, 'BENCH_REPEAT_SECONDS', 20, 0, 3600),
      shortSeconds: numVar(env, 'BENCH_REPEAT_SHORT_SECONDS', 5, 0, 3600),
      delayMs: numVar(env, 'BENCH_REPEAT_DELAY_MS', 10, 0, 10_000),
      shortDelayMs: numVar(env, 'BENCH_REPEAT_SHORT_DELAY_MS', 100, 0, 10_000),
      side: intVar(env, 'BENCH_REPEAT_SIDE', 3, 1, 20),
      sidePairs: intVar(env, 'BENCH_REPEAT_SIDE_PAIRS', 40, 1, 10_000),
    },
  };
}

/** Publish rates are kept to 2 decimals so scenario files and lines stay readable. */
function roundRate(r) {
  return Math.max(0.1, Math.round(r * 100) / 100);
}

function numVar(env, name, def, min, max) {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name}: expected a number from ${min} to ${max}, got "${raw}"`);
  return n;
}

function intVar(env, name, def, min, max) {
  const n = numVar(env, name, def, min, max);
  if (!Number.isInteger(n)) throw new Error(`${name}: expected an integer, got "${env[name]}"`);
  return n;
}

function listVar(env, name, def) {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const list = raw.split(',').map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((n) => !Number.isFinite(n) || n <= 0)) {
    throw new Error(`${name}: expected a comma-separated list of positive numbers, got "${raw}"`);
  }
  return list;
}
