/**
 * The scenario override flags (`--connections`, `--url`, …) as data: which scenario key each sets
 * and how it is given. Kept apart from overrides.ts (which applies them and needs the schema) so a
 * command can declare its flags without loading zod.
 */
import type { ScenarioOverrides } from '../run/run-options.js';

type KeysOfType<T> = { [K in keyof ScenarioOverrides]-?: NonNullable<ScenarioOverrides[K]> extends T ? K : never }[keyof ScenarioOverrides];

interface FlagBase {
  /** Commander flag spec, e.g. "--connections <n>". */
  flags: string;
  description: string;
  /** Scenario key the flag sets ("connections", "tls.ca", "target.headers"). */
  scenarioKey: string;
}

/** One overridable key, declared as data so every command offers the same flags. */
export type OverrideFlag =
  /** Takes one value; given twice, the last wins. */
  | (FlagBase & { kind: 'value'; key: KeysOfType<string> })
  /** A boolean switch without a value. */
  | (FlagBase & { kind: 'switch'; key: KeysOfType<boolean> })
  /** Repeatable; every value is kept, in order. */
  | (FlagBase & { kind: 'list'; key: KeysOfType<string[]> });

/** The override flags, in help order. */
export const OVERRIDE_FLAGS: readonly OverrideFlag[] = [
  {
    kind: 'value',
    key: 'url',
    flags: '--url <url>',
    description: 'test this ws:// or wss:// URL instead of the scenario target',
    scenarioKey: 'target',
  },
  {
    kind: 'value',
    key: 'connections',
    flags: '--connections <n>',
    description: 'override the number of connections',
    scenarioKey: 'connections',
  },
  {
    kind: 'value',
    key: 'duration',
    flags: '--duration <duration>',
    description: 'override the hold duration (e.g. 30s, 10m, 1h30m)',
    scenarioKey: 'duration',
  },
  {
    kind: 'value',
    key: 'workers',
    flags: '--workers <n>',
    description: 'override the number of worker threads (1-64)',
    scenarioKey: 'workers',
  },
  {
    kind: 'value',
    key: 'shards',
    flags: '--shards <n>',
    description: 'run N wsload processes on this machine, one report (1-64; default: as many as the open-file limit needs)',
    scenarioKey: 'shards',
  },
  {
    kind: 'value',
    key: 'ca',
    flags: '--ca <file>',
    description: 'trust this PEM CA bundle for wss:// and https:// (tls.ca; path relative to the current directory)',
    scenarioKey: 'tls.ca',
  },
  {
    kind: 'switch',
    key: 'insecure',
    flags: '--insecure',
    description: 'skip certificate verification, like curl -k (tls.insecure; flagged in the summary and report)',
    scenarioKey: 'tls.insecure',
  },
  {
    kind: 'value',
    key: 'servername',
    flags: '--servername <name>',
    description: 'SNI and certificate name to check instead of the URL host (tls.servername)',
    scenarioKey: 'tls.servername',
  },
  {
    kind: 'value',
    key: 'cert',
    flags: '--cert <file>',
    description: 'client certificate (PEM) for mutual TLS, with --key (tls.cert)',
    scenarioKey: 'tls.cert',
  },
  {
    kind: 'value',
    key: 'key',
    flags: '--key <file>',
    description: 'client private key (PEM) for mutual TLS, with --cert (tls.key)',
    scenarioKey: 'tls.key',
  },
  {
    kind: 'list',
    key: 'resolve',
    flags: '--resolve <host:address>',
    description: 'connect to address for host, like a hosts-file entry or curl --resolve; repeatable (resolve)',
    scenarioKey: 'resolve',
  },
  {
    kind: 'list',
    key: 'header',
    flags: '--header <header>',
    description: 'extra header "Name: value" on every upgrade request; repeatable (target.headers)',
    scenarioKey: 'target.headers',
  },
  {
    kind: 'value',
    key: 'origin',
    flags: '--origin <origin>',
    description: 'Origin header of the upgrade request (target.origin)',
    scenarioKey: 'target.origin',
  },
  {
    kind: 'list',
    key: 'subprotocol',
    flags: '--subprotocol <name>',
    description: "offer this WebSocket subprotocol; repeatable, replaces the scenario's list (target.subprotocols)",
    scenarioKey: 'target.subprotocols',
  },
  {
    kind: 'value',
    key: 'rate',
    flags: '--rate <n>',
    description: 'override publishes per second (publish.rate; an error with publish.stages)',
    scenarioKey: 'publish.rate',
  },
  {
    kind: 'list',
    key: 'observe',
    flags: '--observe <name[:format]=url>',
    description:
      "scrape this Prometheus endpoint (or, with :nginx-stub-status, nginx's status page) every report interval (every series, up to 64); repeatable, replaces the scenario's endpoint of the same name (observe)",
    scenarioKey: 'observe',
  },
  {
    kind: 'value',
    key: 'memoryFlat',
    flags: '--memory-flat <growth>',
    description: "growth of wsload's own RSS judged flat by client.memory, like 20MB/h (report.memory.flat)",
    scenarioKey: 'report.memory.flat',
  },
  {
    kind: 'value',
    key: 'metrics',
    flags: '--metrics <host:port>',
    description: 'serve Prometheus metrics at http://HOST:PORT/metrics during the run (metrics.listen)',
    scenarioKey: 'metrics.listen',
  },
];
