/**
 * One text frame from an agent, checked before the coordinator takes it in: its shape
 * (run/control-schema.ts), its order and ownership (agent-checks.ts), and a tick's histograms
 * decodable. Whatever fails is why the agent is dropped.
 */
import { checkAgentFrame } from '../run/control-schema.js';
import type { AgentToCoordinator } from '../run/control-protocol.js';
import type { WorkerMessage } from '../run/protocol.js';
import { decodeDeltas } from '../metrics/histogram.js';
import type { AgentLink } from './agent-link.js';

/** The frame taken in, or why the agent is dropped for it. */
export type CheckedFrame = { ok: true; msg: AgentToCoordinator } | { ok: false; why: string };

/** Checks a frame of `link`; `lastAnnounced`: the highest publish seq announced (none above may be judged). */
export function checkedFrame(link: AgentLink, data: Buffer, isBinary: boolean, lastAnnounced: number): CheckedFrame {
  if (isBinary) return { ok: false, why: 'a binary frame (the control channel speaks JSON text)' };
  const frame = checkAgentFrame(data.toString());
  if (!frame.ok) return { ok: false, why: frame.why };
  const why = link.checks.check(frame.msg, link.helloed, lastAnnounced);
  if (why !== null) return { ok: false, why };
  const undecodable = frame.msg.type === 'worker' && frame.msg.msg.type === 'tick' ? decodeProblem(frame.msg.msg) : null;
  if (undecodable !== null) return { ok: false, why: undecodable };
  return { ok: true, msg: frame.msg };
}

/** Decodes a tick's histograms once (the aggregate and the timeline read them decoded); why one cannot be, or null. */
function decodeProblem(tick: Extract<WorkerMessage, { type: 'tick' }>): string | null {
  try {
    decodeDeltas(tick.histograms);
    return null;
  } catch (err) {
    return `worker ${tick.workerId}'s tick: ${err instanceof Error ? err.message : String(err)}`;
  }
}
