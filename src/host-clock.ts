/**
 * Which CLOCK_MONOTONIC this process reads: processes on the same host and boot share it, so
 * their nowMs() readings subtract exactly; across machines they do not.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** This host's name and boot id (null where /proc has none). */
export function hostClockIdentity(): { host: string; bootId: string | null } {
  let bootId: string | null = null;
  try {
    bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    bootId = null;
  }
  return { host: hostname(), bootId };
}
