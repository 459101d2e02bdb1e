/**
 * Samples a process and all its descendants (shards, target processes) from /proc, grouped by a
 * classifier, so a sharded run's total RSS and CPU can be read from outside the way a single
 * process's are. A process that has exited keeps its last sample's CPU ticks in its group's sum,
 * so CPU over an interval never goes backwards when a shard ends first.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readProcSample } from './proc-stats.js';

/** Parent PID from the text of /proc/<pid>/stat (the field after the parenthesised name). */
function parentPid(statText) {
  const close = statText.lastIndexOf(')');
  const fields = statText.slice(close + 2).split(' ');
  return Number(fields[1]);
}

/** PIDs of root and every process below it, read from /proc now. */
export function descendants(rootPid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = parentPid(readFileSync(`/proc/${name}/stat`, 'utf8'));
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // Exited between the listing and the read.
    }
  }
  const out = [rootPid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]) ?? []));
  return out;
}

/** The command line of a process, arguments joined by spaces ('' once it has exited). */
export function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/**
 * @typedef {{ t: number, rssKb: number, cpuTicks: number, processes: number }} GroupSample
 * Samples the tree below rootPid every intervalMs until stop(). `classify(pid, cmdline)` names a
 * process's group ('load', 'target', …); each group gets one summed sample per round.
 * @returns {{ groups: Map<string, GroupSample[]>, peakProcesses: Map<string, number>, stop(): void }}
 */
export function startTreeSampler(rootPid, classify, intervalMs = 500) {
  /** @type {Map<string, GroupSample[]>} */
  const groups = new Map();
  const peakProcesses = new Map();
  const groupOf = new Map();
  const lastTicks = new Map();
  const take = () => {
    const t = Date.now();
    const live = new Map();
    for (const pid of descendants(rootPid)) {
      if (!groupOf.has(pid)) groupOf.set(pid, classify(pid, commandLine(pid)));
      const s = readProcSample(pid);
      if (!s) continue;
      lastTicks.set(pid, s.cpuTicks);
      const g = groupOf.get(pid);
      const sum = live.get(g) ?? { t, rssKb: 0, cpuTicks: 0, processes: 0 };
      sum.rssKb += s.rssKb;
      sum.processes++;
      live.set(g, sum);
    }
    for (const [pid, ticks] of lastTicks) {
      const g = groupOf.get(pid);
      const sum = live.get(g) ?? { t, rssKb: 0, cpuTicks: 0, processes: 0 };
      sum.cpuTicks += ticks;
      live.set(g, sum);
    }
    for (const [g, sum] of live) {
      const list = groups.get(g) ?? [];
      list.push(sum);
      groups.set(g, list);
      peakProcesses.set(g, Math.max(peakProcesses.get(g) ?? 0, sum.processes));
    }
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    groups,
    peakProcesses,
    stop() {
      clearInterval(timer);
      take();
    },
  };
}

/** Mean of a group's per-sample sums between t0 and t1 (RSS), and its CPU % of one core. */
export function groupFigures(samples, t0, t1, ticksPerSecond) {
  const inside = samples.filter((s) => s.t >= t0 && s.t <= t1);
  if (inside.length < 2) return { rssEndMb: 0, rssMaxMb: 0, cpuPct: 0, processes: 0 };
  const first = inside[0];
  const last = inside[inside.length - 1];
  const seconds = (last.t - first.t) / 1000;
  return {
    rssEndMb: last.rssKb / 1024,
    rssMaxMb: Math.max(...inside.map((s) => s.rssKb)) / 1024,
    cpuPct: seconds > 0 ? ((last.cpuTicks - first.cpuTicks) / ticksPerSecond / seconds) * 100 : 0,
    processes: Math.max(...inside.map((s) => s.processes)),
  };
}
