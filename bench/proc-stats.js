/**
 * CPU and memory of another process, read from /proc (Linux). The benchmark samples every load
 * process from outside, the same way for wsload and the baseline, so neither measures itself.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/**
 * @typedef {object} ProcSample
 * @property {number} t        wall time of the sample (Date.now())
 * @property {number} cpuTicks utime + stime of every thread, in clock ticks
 * @property {number} rssKb    VmRSS
 * @property {number | null} fds open file descriptors (sockets included), when counted
 */

/** utime + stime (clock ticks) from the text of /proc/<pid>/stat, or null when unparsable. */
export function parseStatTicks(statText) {
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const close = statText.lastIndexOf(')');
  if (close < 0) return null;
  const rest = statText
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : null;
}

/** VmRSS in kB from the text of /proc/<pid>/status, or null. */
export function parseRssKb(statusText) {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(statusText);
  return m ? Number(m[1]) : null;
}

/**
 * One sample of a running process, or null once it has exited; `countFds` also counts its open
 * file descriptors (one per socket), which shows the ramp-up from outside.
 * @returns {ProcSample | null}
 */
export function readProcSample(pid, countFds = false) {
  try {
    const t = Date.now();
    const cpuTicks = parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const rssKb = parseRssKb(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (cpuTicks === null || rssKb === null) return null;
    return { t, cpuTicks, rssKb, fds: countFds ? readdirSync(`/proc/${pid}/fd`).length : null };
  } catch {
    return null;
  }
}

/** Clock ticks per second (USER_HZ); 100 on every common Linux build. */
export function clockTicksPerSecond() {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isSafeInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

/**
 * Samples each pid every `intervalMs` until stop(); samples of a pid stop when it exits. File
 * descriptors are counted for the pids in `fdPids`.
 * @param {number[]} pids
 * @param {number[]} [fdPids]
 * @returns {{ samples: Map<number, ProcSample[]>, stop(): void }}
 */
export function startSampler(pids, intervalMs = 250, fdPids = []) {
  /** @type {Map<number, ProcSample[]>} */
  const samples = new Map(pids.map((pid) => [pid, []]));
  const take = () => {
    for (const pid of pids) {
      const s = readProcSample(pid, fdPids.includes(pid));
      if (s) samples.get(pid)?.push(s);
    }
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    samples,
    stop() {
      clearInterval(timer);
      take();
    },
  };
}

/** CPU ticks at time t, interpolated linearly between the samples around it (clamped at the ends). */
function ticksAt(samples, t) {
  if (samples.length === 0) return 0;
  if (t <= samples[0].t) return samples[0].cpuTicks;
  for (let i = 1; i < samples.length; i++) {
    const b = samples[i];
    if (b.t >= t) {
      const a = samples[i - 1];
      const f = b.t === a.t ? 1 : (t - a.t) / (b.t - a.t);
      return a.cpuTicks + f * (b.cpuTicks - a.cpuTicks);
    }
  }
  return samples[samples.length - 1].cpuTicks;
}

/**
 * CPU use between wall times t0 and t1 as a percentage of one core (user + sys of all threads;
 * 150 means one and a half cores).
 * @param {ProcSample[]} samples
 */
export function cpuPercentBetween(samples, t0, t1, ticksPerSecond) {
  if (t1 <= t0 || samples.length < 2) return 0;
  const ticks = ticksAt(samples, t1) - ticksAt(samples, t0);
  return (ticks / ticksPerSecond / ((t1 - t0) / 1000)) * 100;
}

/** RSS in MB of the first sample at or after t (the last one if none), or 0 without samples. */
export function rssMbAt(samples, t) {
  if (samples.length === 0) return 0;
  const s = samples.find((x) => x.t >= t) ?? samples[samples.length - 1];
  return s.rssKb / 1024;
}

/** RSS in MB of the last sample at or before t (the first one if none), or 0 without samples. */
export function rssMbBefore(samples, t) {
  if (samples.length === 0) return 0;
  let found = samples[0];
  for (const s of samples) {
    if (s.t > t) break;
    found = s;
  }
  return found.rssKb / 1024;
}

/** RSS in MB every `stepMs` from t0 to t1 inclusive (a series for soak runs). */
export function rssSeriesMb(samples, t0, t1, stepMs) {
  const out = [];
  for (let t = t0; t <= t1 + 1; t += stepMs) out.push(Math.round(rssMbBefore(samples, t)));
  return out;
}

/** Sockets in TIME_WAIT on this machine (/proc/net/sockstat), or null when unreadable. */
export function timeWaitSockets() {
  try {
    const m = /^TCP:.*\btw (\d+)/m.exec(readFileSync('/proc/net/sockstat', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Time at which the fd count first reached `level`, interpolated between samples; null if never. */
function timeFdsReached(samples, level) {
  for (let i = 0; i < samples.length; i++) {
    const b = samples[i];
    if (b.fds === null || b.fds < level) continue;
    const a = samples[i - 1];
    if (!a || a.fds === null || b.fds === a.fds) return b.t;
    return a.t + ((level - a.fds) / (b.fds - a.fds)) * (b.t - a.t);
  }
  return null;
}

/**
 * Connect rate seen from outside the process: sockets opened per second while its fd count rose
 * from 5% to 95% of `sockets` above where it started. The same method for every tool, so it does
 * not depend on when a tool says its ramp began or ended. Null without enough fd samples.
 * @param {ProcSample[]} samples
 */
export function connectRateFromFds(samples, sockets) {
  const counted = samples.filter((s) => s.fds !== null);
  if (counted.length < 2 || sockets < 20) return null;
  const base = counted[0].fds ?? 0;
  const lo = timeFdsReached(counted, base + 0.05 * sockets);
  const hi = timeFdsReached(counted, base + 0.95 * sockets);
  if (lo === null || hi === null || hi <= lo) return null;
  return (0.9 * sockets) / ((hi - lo) / 1000);
}
