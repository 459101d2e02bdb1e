/**
 * Who may join at the upgrade, decided from the links and the names reserved for a socket still
 * on its way. Pure but for pruning expired reservations: the coordinator acts on the answer (it
 * drops the agent replaced, reserves the name, logs).
 */
import { REPLACE_SILENT_MS } from '../run/control-protocol.js';
import type { AgentLink } from './agent-link.js';

/** A name admitted at the upgrade is held this long for its socket to arrive. */
export const RESERVE_MS = 5_000;

export interface AdmissionState {
  links: readonly AgentLink[];
  /** Names admitted at the upgrade whose socket has not arrived yet, and since when (expired ones are removed here). */
  reserved: Map<string, number>;
  /** The run has handed out its slices. */
  assigned: boolean;
  /** Agents the run waits for. */
  expected: number;
}

/** 0 (admitted; `replacing`: the silent holder of the name it takes over) or the refusing HTTP status. */
export type Admission = { status: 0; replacing: AgentLink | null } | { status: 409 | 503; replacing: null };

/**
 * 409: the name is taken (reserved, or held by an agent heard lately) or empty; 503: no place
 * (the run is full, or mid-run the name held no slot). A restarted pod keeps its name, so a
 * holder not heard for a few heartbeats is the dead one, and the newcomer replaces it.
 */
export function admission(name: string, nowMs: number, state: AdmissionState): Admission {
  if (name === '') return { status: 409, replacing: null };
  const { links, reserved } = state;
  for (const [n, at] of reserved) if (nowMs - at >= RESERVE_MS) reserved.delete(n);
  const reservedAt = reserved.get(name);
  if (reservedAt !== undefined && nowMs - reservedAt < RESERVE_MS) return { status: 409, replacing: null };
  const holder = links.find((l) => l.id.name === name && !l.closed);
  let replacing: AgentLink | null = null;
  if (holder) {
    if (holder.judge.silenceMs(nowMs) < REPLACE_SILENT_MS) return { status: 409, replacing: null };
    replacing = holder;
  }
  if (state.assigned) {
    // Mid-run only a lost (or dying) agent's replacement is let in, to stand by.
    const hadSlot =
      replacing !== null ? replacing.index >= 0 || replacing.standby : links.some((l) => l.id.name === name && (l.index >= 0 || l.standby));
    if (!hadSlot) return { status: 503, replacing: null };
  } else if (replacing === null && links.filter((l) => !l.closed).length + reserved.size >= state.expected) {
    return { status: 503, replacing: null };
  }
  return { status: 0, replacing };
}
