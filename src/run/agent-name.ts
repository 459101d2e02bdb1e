/**
 * What an agent's name may be. It crosses the control channel in an upgrade header, names the
 * shard in the report, in logs and in the coordinator's messages, and is what a restarted
 * replacement is recognised by: so printable, one line, and the same bytes on both sides.
 * Kubernetes pod names, Indexed Job indexes and `<hostname>-<pid>` all fit.
 */

/** Longest name accepted: a DNS name (a pod name is one). */
export const MAX_AGENT_NAME_LENGTH = 253;

const NAME_CHARS = /^[A-Za-z0-9._:-]+$/;

/** Why `name` cannot name an agent, or null when it can. */
export function agentNameProblem(name: unknown): string | null {
  if (typeof name !== 'string') return `expected a string, got ${name === null ? 'null' : typeof name}`;
  if (name === '') return 'empty; expected a name like "agent-1" (letters, digits, ".", "_", ":" and "-")';
  if (name.length > MAX_AGENT_NAME_LENGTH) return `${name.length} characters long; expected at most ${MAX_AGENT_NAME_LENGTH}`;
  if (!NAME_CHARS.test(name)) return `${JSON.stringify(name)} has characters other than letters, digits, ".", "_", ":" and "-"`;
  return null;
}

/** `text` with every character a name may not hold replaced by "-" (for names made up from a host name). */
export function toAgentName(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, MAX_AGENT_NAME_LENGTH);
  return cleaned === '' ? 'agent' : cleaned;
}
