/**
 * The rules of size and pace: every wait of the run finite (ramp-up, time between publishes), no
 * more workers than connections, and the machine limits (open files, ephemeral ports) that
 * otherwise show up mid-run as failures users blame on the server.
 */
import type { Issue } from '../errors.js';
import type { MachineLimits } from '../machine-limits.js';
import { formatDuration } from '../duration.js';
import { MAX_SHARDS, reservedOpenFiles, shardsNeeded } from '../run/shard-sizing.js';
import { MAX_DURATION_MS, type PartialScenario } from './schema.js';

/** Most worker threads a scenario may ask for (the schema enforces the same bound). */
const MAX_WORKERS = 64;

/** Bounds that keep every wait of the run finite: the ramp-up and the time between two publishes. */
export function pacingIssues(w: PartialScenario): Issue[] {
  const issues: Issue[] = [];
  if (w.connections !== undefined && w.connectRate !== undefined) {
    const rampMs = (w.connections / w.connectRate) * 1000;
    if (!(rampMs <= MAX_DURATION_MS)) {
      const least = w.connections / (MAX_DURATION_MS / 1000);
      issues.push({
        path: 'connectRate',
        message: `${w.connections} sockets at ${w.connectRate}/s take longer than 24d to connect; expected at least ${least.toPrecision(2)} sockets per second`,
      });
    }
  }
  if (w.publish && !(1000 / w.publish.rate <= MAX_DURATION_MS)) {
    issues.push({
      path: 'publish.rate',
      message: `one publish every ${formatDuration(1000 / w.publish.rate)} is longer than 24d apart; expected at least ${(1000 / MAX_DURATION_MS).toPrecision(2)} publishes per second`,
    });
  }
  return issues;
}

export function workerIssues(w: PartialScenario): Issue[] {
  if (w.workers !== undefined && w.connections !== undefined && w.workers > w.connections) {
    return [{ path: 'workers', message: `expected at most one worker per connection (${w.connections}), got ${w.workers}` }];
  }
  return [];
}

export function limitIssues(w: PartialScenario, limits: MachineLimits | undefined, cpus: number): Issue[] {
  if (!limits || w.connections === undefined) return [];
  const issues: Issue[] = [];
  const n = w.connections;
  const workers = w.workers ?? Math.min(MAX_WORKERS, Math.max(1, Math.floor(cpus)), n);
  const reserve = reservedOpenFiles(workers);
  if (limits.openFiles !== null && w.shards !== undefined) {
    // Each shard holds its share of the sockets (floor + remainder) under its own limit.
    const perShard = Math.ceil(n / w.shards);
    const shardReserve = reservedOpenFiles(Math.ceil(workers / w.shards));
    if (perShard > limits.openFiles - shardReserve) {
      issues.push({
        path: 'shards',
        message: `${w.shards} shard${w.shards === 1 ? '' : 's'} would hold ${perShard} sockets each but a process may open ${limits.openFiles} files (ulimit -n; ${shardReserve} kept for wsload itself); use at least ${shardsNeeded(n, workers, limits.openFiles)} shards or leave shards out to let wsload choose`,
      });
    }
  } else if (limits.openFiles !== null && shardsNeeded(n, workers, limits.openFiles) > MAX_SHARDS) {
    issues.push({
      path: 'connections',
      message: `${n} sockets need ${n} open files but this process may open ${limits.openFiles} (ulimit -n): more than ${MAX_SHARDS} local shards of at most ${Math.max(0, limits.openFiles - reserve)} sockets each; raise the limit or spread the run over agents on several machines (--agents)`,
    });
  }
  if (limits.ephemeralPorts !== null) {
    const sources = Math.max(1, w.localAddresses?.length ?? 0);
    const ports = limits.ephemeralPorts * sources;
    if (n > ports) {
      const needed = Math.ceil(n / limits.ephemeralPorts);
      issues.push({
        path: 'connections',
        message: `${n} sockets to one target address need ${n} local ports but ${sources === 1 ? 'one source address has' : `${sources} source addresses have`} ${ports} (${limits.ephemeralPorts} each, net.ipv4.ip_local_port_range); list at least ${needed} source addresses in localAddresses (for a loopback target, e.g. "127.0.0.2", "127.0.0.3", …)`,
      });
    }
  }
  return issues;
}
