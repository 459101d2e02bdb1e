/**
 * The one rule of direction: a module may import only from its own folder and from folders listed
 * after it here. test/unit/layering.test.ts enforces it over every import in src/; docs/architecture.md
 * explains each layer and which thread it runs on. Adding a folder to src/ means adding it here.
 */

/** Folders of src/, top to bottom; the empty string is src/ itself (errors, duration, clock, …). */
export const LAYERS: readonly string[] = [
  'cli', // prints and exits; the only user of process.exit
  'api', // the library entry (src/api.ts and src/api/): run, compare, merge, loadScenario
  'render', // Report / Comparison / Progress → text, HTML, .hgrm
  'driver', // main thread: runs one scenario (spawns workers, publisher, target; builds the report)
  'coordinator', // main thread of a spread run: control channel, agent links, clock offsets, local shards
  'agent', // `wsload agent` process: control client, its worker threads, relaying
  'worker', // worker threads: sockets, delivery accounting, per-turn timing
  'publisher', // main thread: the HTTP publisher on its schedule
  'protocols', // the application protocol over each socket (Socket.IO, MQTT): one module per protocol, one table
  'scenario', // the scenario file: schema, validation, rules, overrides → a Scenario
  'report', // the finished report: build, read, write, merge, compare, thresholds, timeline
  'metrics', // histograms, aggregation of worker snapshots, classification, drop and idle analysis
  'net', // socket-level options (TLS, source address, DNS) shared by workers and the publisher
  'run', // the contract between threads and processes: Scenario, Report, protocol, publish ring
  'target', // the built-in demo target (wsload serve, embedded child process)
  'text', // text helpers (nearest name)
  '', // leaf files in src/: errors, duration, clock, version, machine-limits, layers
];

/** Files of src/ itself that belong to a folder's layer rather than to the root leaf layer. */
export const ROOT_FILE_LAYERS: Readonly<Record<string, string>> = {
  'api.ts': 'api',
};
