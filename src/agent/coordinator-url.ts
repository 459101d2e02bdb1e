/**
 * The coordinator's address as `wsload agent --coordinator` takes it: ws:// or wss://, a host and
 * an optional port, nothing else. The agent appends the control path itself, so a path, a query
 * or a #fragment would only make every dial fail (or crash the dialer, for a fragment).
 */

const EXPECTED = 'expected ws://HOST:PORT or wss://HOST:PORT';

/** Why `text` is not a coordinator address, or null when it is one. */
export function coordinatorUrlProblem(text: string): string | null {
  const shown = JSON.stringify(text);
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return `${EXPECTED}, got ${shown}`;
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return `${EXPECTED}, got ${shown} (scheme ${url.protocol.replace(/:$/, '')})`;
  if (url.hostname === '') return `${EXPECTED}, got ${shown} (no host)`;
  if (url.username !== '' || url.password !== '')
    return `${EXPECTED}, got a user name or password in the URL; pass the token with --token or env WSLOAD_TOKEN`;
  if (url.hash !== '' || text.includes('#')) return `${EXPECTED}, got ${shown}: a #fragment is not part of an address`;
  if (url.search !== '' || text.includes('?')) return `${EXPECTED}, got ${shown}: a ?query is not part of an address`;
  if (url.pathname !== '/' && url.pathname !== '')
    return `${EXPECTED}, got ${shown}: the path ${url.pathname} is not part of an address (the agent adds the control path itself)`;
  return null;
}
