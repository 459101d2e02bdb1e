/** Facts about the machine a run happened on, recorded in every report. */
import os from 'node:os';
import { VERSION } from '../version.js';
import { readMachineLimits } from '../machine-limits.js';
import type { Report } from '../run/report.js';

/** The report's `environment` section for this process. */
export function describeEnvironment(): Report['environment'] {
  const limits = readMachineLimits();
  const cpus = os.cpus();
  return {
    wsload: VERSION,
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpus: os.availableParallelism(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    host: os.hostname(),
    totalMemoryMb: Math.round(os.totalmem() / 1048576),
    openFilesLimit: limits.openFiles,
    ephemeralPorts: limits.ephemeralPorts,
  };
}
