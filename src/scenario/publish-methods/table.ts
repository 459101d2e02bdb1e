/**
 * The table of publish methods at the scenario layer: which method the publish object as written
 * asks for, its rules and its part of the normalized scenario. The same kinds as
 * run/publish-methods/table.ts; `satisfies` makes a kind without an entry a compile error.
 */
import type { Issue } from '../../errors.js';
import type { PublishMethodKind } from '../../run/scenario.js';
import { httpFileMethod } from './http.js';
import type { NormalizedMethod, WrittenPublish, WrittenPublishMethod } from './method.js';
import { protocolFileMethod } from './protocol.js';
import { serverFileMethod } from './server.js';
import { websocketFileMethod } from './websocket.js';

export const WRITTEN_PUBLISH_METHODS = {
  http: httpFileMethod,
  websocket: websocketFileMethod,
  protocol: protocolFileMethod,
  server: serverFileMethod,
} as const satisfies { [K in PublishMethodKind]: WrittenPublishMethod<K> };

/** Asked in this order, the first chosen is the publish's method: HTTP, the default, last. */
const CHOSEN_IN_ORDER: readonly WrittenPublishMethod[] = [serverFileMethod, websocketFileMethod, protocolFileMethod, httpFileMethod];

/** The method the publish object asks for. */
export function writtenPublishMethod(p: WrittenPublish): WrittenPublishMethod {
  return CHOSEN_IN_ORDER.find((m) => m.chosen(p)) ?? httpFileMethod;
}

/** Rules of every method over `publish` as written, before the schema (see WrittenPublishMethod.writtenIssues). */
export function writtenPublishIssues(publish: unknown): Issue[] {
  if (publish === null || typeof publish !== 'object' || Array.isArray(publish)) return [];
  const raw = publish as Record<string, unknown>;
  return Object.values(WRITTEN_PUBLISH_METHODS).flatMap((m) => m.writtenIssues?.(raw) ?? []);
}

/** The chosen method's rules, and keys of the other methods that send written for it. */
export function publishMethodIssues(p: WrittenPublish | null | undefined): Issue[] {
  if (!p) return [];
  const method = writtenPublishMethod(p);
  // A server stream makes no request: its written rules refuse every request key already.
  if (method.kind === 'server') return method.issues(p);
  const stray = Object.values(WRITTEN_PUBLISH_METHODS)
    .filter((m) => m !== method)
    .flatMap((m) => m.strayIssues?.(p) ?? []);
  return [...stray, ...method.issues(p)];
}

/** The chosen method's part of the normalized scenario; `protocol`: the scenario's protocol name, if any. */
export function normalizePublishMethod(p: WrittenPublish, protocol?: string): NormalizedMethod {
  return writtenPublishMethod(p).normalize(p, protocol);
}
