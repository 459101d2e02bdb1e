/**
 * How busy this machine was during the hold and how much of that was wsload: /proc/stat's busy
 * and total ticks over all cores, against process.cpuUsage() of this process (main thread and
 * worker threads). What is left is other processes (the embedded target included). It tells a
 * client that lagged because the machine was busy from one that lagged because wsload itself was
 * the bottleneck (report/saturation.ts). Linux only; elsewhere there is no reading.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { nowMs } from '../clock.js';
import type { HostCpu } from '../run/report.js';

interface Sample {
  atMs: number;
  busy: number;
  total: number;
  /** This process's user + system CPU, µs. */
  processUs: number;
}

/** The first ("cpu") line of /proc/stat: busy and total ticks over every core; null where unreadable. */
export function readProcStat(text: string): { busy: number; total: number } | null {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return null;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 4 || f.some((n) => !Number.isFinite(n))) return null;
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

function sample(): Sample | null {
  let stat: { busy: number; total: number } | null;
  try {
    stat = readProcStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
  if (!stat) return null;
  const u = process.cpuUsage();
  return { atMs: nowMs(), ...stat, processUs: u.user + u.system };
}

/** CPU shares between two samples (pure, for tests). */
export function cpuBetween(
  a: { atMs: number; busy: number; total: number; processUs: number },
  b: typeof a,
  cores: number,
): HostCpu | null {
  const holdMs = b.atMs - a.atMs;
  const ticks = b.total - a.total;
  if (holdMs <= 0 || ticks <= 0 || cores <= 0) return null;
  const round3 = (x: number): number => Math.round(Math.min(1, Math.max(0, x)) * 1000) / 1000;
  const machineBusy = (b.busy - a.busy) / ticks;
  const wsload = (b.processUs - a.processUs) / 1000 / (holdMs * cores);
  return {
    cores,
    holdMs: Math.round(holdMs),
    machineBusy: round3(machineBusy),
    wsload: round3(wsload),
    otherProcesses: round3(machineBusy - wsload),
  };
}

/** Samples at the hold's start and end. */
export class HostCpuMeter {
  private first: Sample | null = null;
  private last: Sample | null = null;

  start(): void {
    this.first = sample();
    this.last = null;
  }

  stop(): void {
    if (this.first && !this.last) this.last = sample();
  }

  /** The hold's reading, or null (not Linux, no hold, unreadable). */
  reading(): HostCpu | null {
    if (!this.first || !this.last) return null;
    return cpuBetween(this.first, this.last, cpus().length);
  }
}
