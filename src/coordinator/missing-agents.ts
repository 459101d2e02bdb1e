/**
 * Why the wait for agents failed, in words: who joined, and each connected agent that did not,
 * by what it still lacks (a hello, an answer to the clock probes, a recent frame).
 */
import { formatDuration } from '../duration.js';
import type { AgentLink } from './agent-link.js';

/** "joined: a, b; connected but silent: c for 12 s; …" over the links that are neither closed nor standing by. */
export function missingAgentsText(links: readonly AgentLink[], joined: readonly AgentLink[], nowMs: number): string {
  const connected = links.filter((l) => !l.leaving && !l.standby && !joined.includes(l));
  const parts = [joined.length > 0 ? `joined: ${joined.map((l) => l.label).join(', ')}` : 'none joined'];
  const noHello = connected.filter((l) => !l.helloed);
  const noClock = connected.filter((l) => l.helloed && !l.clockKnown);
  const silent = connected.filter((l) => l.helloed && l.clockKnown);
  if (noClock.length > 0) parts.push(`connected but did not answer clock probes: ${noClock.map((l) => l.label).join(', ')}`);
  if (silent.length > 0)
    parts.push(`connected but silent: ${silent.map((l) => `${l.label} for ${formatDuration(l.judge.silenceMs(nowMs))}`).join(', ')}`);
  if (noHello.length > 0) parts.push(`connected but said no hello: ${noHello.map((l) => l.label).join(', ')}`);
  return parts.join('; ');
}
