/**
 * Starts the coordinating side of a spread run before the target: the control channel listens
 * (agents may join while the target starts) and, for local shards, the shard processes are
 * spawned. Everything started here is stopped by state.stopAll() on every way out.
 */
import { readFileSync } from 'node:fs';
import { Coordinator } from '../coordinator/coordinator.js';
import type { TlsFiles } from '../run/control-protocol.js';
import type { TlsOptions } from '../run/scenario.js';
import { PeakOpenMerger } from '../metrics/peak-open.js';
import { spawnLocalShards } from '../coordinator/local-shards.js';
import type { Distribution } from './distribution.js';
import type { RunState } from './run-state.js';

/** A spread run's coordinator, its distribution and what it reported lost. */
export interface Coordination {
  coordinator: Coordinator;
  dist: Distribution;
  /** Agents lost during the run: "name: reason". */
  lost: string[];
  /** Every worker's opens and closes, for the exact peak over all processes. */
  peakOpen: PeakOpenMerger;
  /** The scenario's TLS files for agents on other machines, read once at the start (null: none, or local shards). */
  tlsFiles: TlsFiles | null;
}

/** Listens for the agents (and spawns the local shards); registers their stop. */
export async function startCoordination(state: RunState, dist: Distribution, onListening?: (port: number) => void): Promise<Coordination> {
  // Read before anyone can join: what the agents get is what was validated.
  const tlsFiles = dist.kind === 'agents' ? readTlsFiles(state.scenario.tls) : null;
  const coordinator = await Coordinator.start({
    host: dist.host,
    port: dist.port,
    token: dist.token,
    tls: dist.tls,
    expected: dist.count,
    silentLimitMs: dist.silentLimitMs,
    // Every agent refused, dropped or replaced is said at once (the CLI prints it on stderr).
    log: (line) => state.options.onWarning?.(line),
    // Local shards join in a second on every run: only remote agents are worth a line each.
    ...(dist.kind === 'agents' ? { info: (line: string) => state.options.onControlInfo?.(line) } : {}),
    onInternalError: (err) => state.fail(err),
  });
  state.onCleanup(() => coordinator.close());
  onListening?.(coordinator.port);
  if (dist.kind === 'shards') {
    const shards = spawnLocalShards(dist.count, coordinator.port, dist.token, (_name, why) => coordinator.failJoin(why));
    state.onCleanup(() => shards.stop());
  }
  return { coordinator, dist, lost: [], peakOpen: new PeakOpenMerger(), tlsFiles };
}

/** The scenario's TLS files as text, for agents that do not have them at these paths (validated already). */
function readTlsFiles(tls: TlsOptions): TlsFiles | null {
  const files: TlsFiles = {};
  if (tls.ca) files.ca = readFileSync(tls.ca, 'utf8');
  if (tls.cert) files.cert = readFileSync(tls.cert, 'utf8');
  if (tls.key) files.key = readFileSync(tls.key, 'utf8');
  return Object.keys(files).length > 0 ? files : null;
}
