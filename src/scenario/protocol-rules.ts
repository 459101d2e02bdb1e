/**
 * Cross-key rules of the `protocol` key (its own options are checked by its schema): a protocol
 * needs a target URL it can speak to, replaces `target.open`, and Socket.IO needs the Engine.IO 4
 * WebSocket-only URL. Each issue is one line at the JSON path the user must change.
 */
import type { Issue } from '../errors.js';
import type { PartialScenario } from './schema.js';

/** The protocol's name as written (string or object form), or undefined when absent. */
function protocolName(w: PartialScenario): string | undefined {
  const p = w.protocol;
  if (p === undefined) return undefined;
  return typeof p === 'string' ? p : p.name;
}

/** Every text of the protocol's options that may hold placeholders, with its JSON path. */
export function protocolTexts(w: PartialScenario): { path: string; text: string; header: boolean }[] {
  const p = w.protocol;
  if (p === undefined || typeof p === 'string') return [];
  if (p.name === 'socket.io') {
    const out: { path: string; text: string; header: boolean }[] = [];
    if (p.auth !== undefined) out.push({ path: 'protocol.auth', text: JSON.stringify(p.auth), header: false });
    if (p.join) out.push({ path: 'protocol.join.args', text: JSON.stringify(p.join.args), header: false });
    return out;
  }
  if (p.name === 'graphql-ws') {
    const out: { path: string; text: string; header: boolean }[] = [];
    if (p.init !== undefined) out.push({ path: 'protocol.init', text: JSON.stringify(p.init), header: false });
    if (p.variables !== undefined) out.push({ path: 'protocol.variables', text: JSON.stringify(p.variables), header: false });
    return out;
  }
  if (p.name === 'stomp') {
    return [
      ...(p.destinations ?? []).map((text, i) => ({ path: `protocol.destinations[${i}]`, text, header: true })),
      ...(p.login !== undefined ? [{ path: 'protocol.login', text: p.login, header: true }] : []),
      ...(p.passcode !== undefined ? [{ path: 'protocol.passcode', text: p.passcode, header: true }] : []),
    ];
  }
  return [
    ...(p.topics ?? []).map((text, i) => ({ path: `protocol.topics[${i}]`, text, header: false })),
    { path: 'protocol.clientId', text: p.clientId, header: false },
    ...(p.username !== undefined ? [{ path: 'protocol.username', text: p.username, header: false }] : []),
    ...(p.password !== undefined ? [{ path: 'protocol.password', text: p.password, header: false }] : []),
  ];
}

/** What a protocol's target.url must be, for the error at `protocol` with the embedded target. */
const SERVER_OF: Readonly<Record<string, string>> = {
  'socket.io': 'Socket.IO server',
  mqtt: "broker's MQTT WebSocket listener",
  'graphql-ws': "GraphQL server's graphql-ws endpoint",
  stomp: "broker's STOMP WebSocket endpoint",
};

export function protocolIssues(w: PartialScenario): Issue[] {
  const name = protocolName(w);
  if (name === undefined || name === 'websocket') return [];
  const issues: Issue[] = [];
  const t = w.target;
  if (t === 'embedded') {
    issues.push({
      path: 'protocol',
      message: `"${name}" needs a target.url of a ${SERVER_OF[name] ?? 'server'}; the embedded target speaks plain WebSocket`,
    });
    return issues;
  }
  if (t === undefined) return issues;
  if (t.open.length > 0)
    issues.push({
      path: 'target.open',
      message: `not with protocol "${name}": its own handshake and subscribe replace the open messages (set the subscription in "protocol")`,
    });
  if (
    name === 'stomp' &&
    (typeof w.protocol === 'string' || w.protocol?.name !== 'stomp' || w.protocol.destinations === undefined) &&
    w.topics === undefined
  ) {
    issues.push({
      path: 'protocol.destinations',
      message: 'required without "topics" (the default "/topic/{topic}" needs topics), like ["/topic/news"]',
    });
  }
  if (name === 'socket.io') {
    const url = t.url;
    if (!/[?&]EIO=4(&|$)/.test(url) || !/[?&]transport=websocket(&|$)/.test(url)) {
      issues.push({
        path: 'target.url',
        message: `expected a Socket.IO URL with "?EIO=4&transport=websocket" (Engine.IO 4 over WebSocket only), like "ws://host:3000/socket.io/?EIO=4&transport=websocket", got "${url}"`,
      });
    }
  }
  return issues;
}
