/**
 * Limits of this machine that cap one wsload process, read from /proc (Linux). Node cannot call
 * getrlimit, so the soft open-files limit comes from /proc/self/limits; elsewhere both are null
 * and the checks that use them are skipped.
 */
import { readFileSync } from 'node:fs';

/** What the machine allows one wsload process; null = unknown (the check is skipped). */
export interface MachineLimits {
  openFiles: number | null;
  ephemeralPorts: number | null;
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Soft "Max open files" from a /proc/<pid>/limits text; null when absent or unlimited. */
export function parseOpenFilesLimit(limitsText: string): number | null {
  const m = /^Max open files\s+(\S+)/m.exec(limitsText);
  if (!m || m[1] === 'unlimited') return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** Size of an ip_local_port_range text ("32768\t60999" → 28232); null when unreadable. */
export function parsePortRange(rangeText: string): number | null {
  const bounds = parsePortBounds(rangeText);
  return bounds === null ? null : bounds.last - bounds.first + 1;
}

/** The first and last port of an ip_local_port_range text; null when unreadable or empty. */
export function parsePortBounds(rangeText: string): { first: number; last: number } | null {
  const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(rangeText);
  if (!m) return null;
  const first = Number(m[1]);
  const last = Number(m[2]);
  return last >= first ? { first, last } : null;
}

/** The kernel's ephemeral port range (net.ipv4.ip_local_port_range); null off Linux or when unreadable. */
export function readPortBounds(): { first: number; last: number } | null {
  const range = readText('/proc/sys/net/ipv4/ip_local_port_range');
  return range === null ? null : parsePortBounds(range);
}

/** This process's open-files limit and the kernel's ephemeral port count. */
export function readMachineLimits(): MachineLimits {
  const limits = readText('/proc/self/limits');
  const range = readText('/proc/sys/net/ipv4/ip_local_port_range');
  return {
    openFiles: limits === null ? null : parseOpenFilesLimit(limits),
    ephemeralPorts: range === null ? null : parsePortRange(range),
  };
}
