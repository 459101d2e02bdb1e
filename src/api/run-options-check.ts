/**
 * The library's `run` options checked the way the CLI checks its flags, before the scenario is
 * read and before any socket opens: a wrong type, a value out of range or an unknown key is one
 * UsageError line per problem, "PATH (option): what is wrong", instead of a TypeError deep in the
 * driver or a run that quietly misbehaves (a tick of 0 ms spinning, an agent count of "abc").
 */
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { tokenProblem } from '../coordinator/token.js';
import { controlTlsProblem } from '../coordinator/control-tls.js';
import { formatListenAddress, parseListenAddress } from '../net/listen-address.js';
import { OVERRIDE_FLAGS } from '../scenario/overrides.js';
import { MAX_DURATION_MS, describeValue, expecting } from '../scenario/schema.js';
import { fallbackErrorMap, issuesFromZod } from '../scenario/issues.js';
import type { AgentsOptions, RunApiOptions } from '../run/run-options.js';

/** How often workers may report, ms: below 50 the snapshots cost more than they tell; above a minute progress stalls. */
export const TICK_MS_RANGE = { min: 50, max: 60_000 } as const;

const nonEmptyPath = (what: string): z.ZodType<string> =>
  z.string(expecting(`${what} (a string)`)).refine((s) => s.trim() !== '', expecting(`${what}, not an empty path`));

function int(min: number, max: number): z.ZodNumber {
  return z
    .number(expecting(`an integer from ${min} to ${max}`))
    .int(expecting(`an integer from ${min} to ${max}`))
    .min(min, expecting(`an integer from ${min} to ${max}`))
    .max(max, expecting(`an integer from ${min} to ${max}`));
}

function ms(text: string, min: number, max: number): z.ZodNumber {
  const range = `${text} from ${min} to ${max}`;
  // z.number() refuses NaN and ±Infinity itself.
  return z.number(expecting(range)).min(min, expecting(range)).max(max, expecting(range));
}

const isFunction = (v: unknown): boolean => typeof v === 'function';

// Structural, not instanceof: a signal from another realm (a test runner's, a polyfill) is still one.
const isAbortSignal = (v: unknown): boolean =>
  v !== null &&
  typeof v === 'object' &&
  typeof (v as AbortSignal).aborted === 'boolean' &&
  typeof (v as AbortSignal).addEventListener === 'function';

const tokenSchema = z.unknown().superRefine((v, ctx) => {
  const problem = v === undefined ? 'required; expected the token the agents present (visible ASCII)' : tokenProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem, input: v });
});

const agentsSchema = z.strictObject(
  {
    count: int(1, 1000),
    host: z.string(expecting('a host to listen on, like "0.0.0.0", "127.0.0.1" or "::1"')),
    port: int(0, 65_535),
    token: tokenSchema,
    waitMs: ms('a number of ms', 1, MAX_DURATION_MS),
    tls: z
      .strictObject(
        { cert: nonEmptyPath('a PEM certificate file'), key: nonEmptyPath('a PEM private key file') },
        expecting('{cert, key} (PEM files) or null'),
      )
      .nullable(),
    silentLimitMs: ms('a number of ms', 1, MAX_DURATION_MS).optional(),
    onListening: z.custom<(port: number) => void>(isFunction, expecting('a function')).optional(),
  },
  expecting('an object like {count, host, port, token, waitMs, tls}'),
);

function overrideSchema(): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const flag of OVERRIDE_FLAGS) {
    shape[flag.key] = (
      flag.kind === 'switch'
        ? z.boolean(expecting(`a boolean (as ${flag.flags.split(' ')[0]})`))
        : flag.kind === 'list'
          ? z.array(z.string(expecting('a string')), expecting(`an array of strings (as ${flag.flags.split(' ')[0]}, repeatable)`))
          : z.string(expecting(`a string (as ${flag.flags.split(' ')[0]} takes it)`))
    ).optional();
  }
  return z.strictObject(shape, expecting('an object of scenario overrides, like {"connections": "500"}'));
}

const optionsSchema = z.strictObject(
  {
    out: nonEmptyPath('a report file path').nullable().optional(),
    tickMs: ms('a number of ms', TICK_MS_RANGE.min, TICK_MS_RANGE.max).optional(),
    signal: z.custom<AbortSignal>(isAbortSignal, expecting('an AbortSignal')).optional(),
    metrics: z.string(expecting('HOST:PORT like "127.0.0.1:9464" (a string)')).optional(),
    dashboard: z.string(expecting('HOST:PORT like "127.0.0.1:8089", or a port (a string)')).optional(),
    agents: agentsSchema.optional(),
    overrides: overrideSchema().optional(),
    cpus: int(1, 4096).optional(),
    limits: z
      .strictObject(
        {
          openFiles: z
            .number(expecting('a number or null'))
            .int(expecting('an integer or null'))
            .positive(expecting('a positive integer or null'))
            .nullable(),
          ephemeralPorts: z
            .number(expecting('a number or null'))
            .int(expecting('an integer or null'))
            .positive(expecting('a positive integer or null'))
            .nullable(),
        },
        expecting('an object like {openFiles, ephemeralPorts}'),
      )
      .optional(),
    checkFiles: z.boolean(expecting('a boolean')).optional(),
    interfaces: z
      .array(z.string(expecting('an address (string)')), expecting('an array of addresses or null'))
      .nullable()
      .optional(),
    baseDir: nonEmptyPath('a directory').optional(),
  },
  expecting('an object of run options'),
);

/**
 * The options as given, checked; `null` and `undefined` are no options. Throws a UsageError listing
 * every problem, one "PATH (option): problem" line each.
 */
export function checkRunOptions(options: unknown): RunApiOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new UsageError(`options: expected an object of run options (or nothing), got ${describeValue(options)}`);
  }
  const parsed = optionsSchema.safeParse(options, { error: fallbackErrorMap });
  const problems = parsed.success
    ? []
    : issuesFromZod(optionsSchema, parsed.error.issues).map(
        (i) => `${i.path} (option): ${i.message.replace(/^unknown key/, 'unknown option')}`,
      );
  if (parsed.success) problems.push(...agentsProblems(options as RunApiOptions));
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return options as RunApiOptions;
}

/** What the types cannot say about `agents`: the listen address and the control channel's files. */
function agentsProblems(options: RunApiOptions): string[] {
  const agents = options.agents;
  if (!agents) return [];
  const problems: string[] = [];
  // Brackets or none: "::1" and "[::1]" are the same address to listen on.
  if (parseListenAddress(formatListenAddress({ host: agents.host, port: agents.port })) === null) {
    problems.push(
      `agents.host (option): expected a host to listen on, like "0.0.0.0", "127.0.0.1" or "::1", got ${describeValue(agents.host)}`,
    );
  }
  if (agents.tls) {
    const problem = controlTlsProblem(agents.tls, {
      ca: 'agents.tls.ca (option)',
      cert: 'agents.tls.cert (option)',
      key: 'agents.tls.key (option)',
    });
    if (problem) problems.push(problem);
  }
  return problems;
}

/** The agents' settings as the listener takes them: the host without IPv6 brackets ("[::1]" → "::1"). */
export function listenableAgents(agents: AgentsOptions): AgentsOptions {
  const parsed = parseListenAddress(formatListenAddress({ host: agents.host, port: agents.port }));
  return parsed ? { ...agents, host: parsed.host } : agents;
}
