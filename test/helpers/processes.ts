import { readFileSync } from 'node:fs';

/** Whether pid is a running process; a zombie (exited, not reaped yet) counts as gone. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Written once in wait.ts; here too for the files that wait on processes. */
export { until } from './wait.js';
