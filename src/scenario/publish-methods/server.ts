/**
 * The "server" publish method as written (`publish.source: "server"`, the service pushes its own
 * stream): `publish.timestamp`, `timestampUnit`, `sequence`; its rules and its normalized stream.
 * The rules read the publish object as written: the schema fills defaults (rate 1, ids [1], …), so
 * only the written keys can tell a request key the user set, which makes no sense when no request
 * is made. Described by run/publish-methods/server.ts; no sender.
 */
import type { Issue } from '../../errors.js';
import { publishSchema } from '../schema.js';
import type { WrittenPublishMethod } from './method.js';

/** Keys that describe the server's stream; every other publish key makes requests. */
const STREAM_KEYS: ReadonlySet<string> = new Set(['source', 'timestamp', 'timestampUnit', 'sequence', 'binary']);
/** Keys that apply only to a server stream. */
const SERVER_ONLY_KEYS = ['timestamp', 'timestampUnit', 'sequence'] as const;

/** Issues of the stream keys in `publish` as written (after overrides): conflicts, and what a stream needs. */
function serverStreamIssues(publish: unknown): Issue[] {
  if (publish === null || typeof publish !== 'object' || Array.isArray(publish)) return [];
  const p = publish as Record<string, unknown>;
  const issues: Issue[] = [];
  const known = Object.keys(publishSchema.shape);
  if (p.source !== 'server') {
    // An invalid source is the schema's to report; a request run has no stream keys.
    if (p.source !== undefined && p.source !== 'wsload') return [];
    for (const key of SERVER_ONLY_KEYS) {
      if (p[key] !== undefined)
        issues.push({
          path: `publish.${key}`,
          message:
            'applies only with publish.source "server" (a stream the service pushes on its own); expected publish.source "server" or no publish.' +
            key,
        });
    }
    return issues;
  }
  for (const key of Object.keys(p)) {
    // Unknown keys are the schema's to report (with a suggestion).
    if (STREAM_KEYS.has(key) || !known.includes(key)) continue;
    issues.push({ path: `publish.${key}`, message: 'not with publish.source "server": the server publishes; expected it left out' });
  }
  if (p.timestamp === undefined && p.sequence === undefined) {
    issues.push({
      path: 'publish',
      message:
        'with publish.source "server", required: publish.timestamp (a JSON pointer like "/ts"), publish.sequence (like "/seq"), or both; expected what to judge the stream by',
    });
  }
  if (p.timestampUnit !== undefined && p.timestamp === undefined) {
    issues.push({
      path: 'publish.timestampUnit',
      message: 'applies only with publish.timestamp; expected publish.timestamp (a JSON pointer like "/ts") or no publish.timestampUnit',
    });
  }
  return issues;
}

export const serverFileMethod: WrittenPublishMethod<'server'> = {
  kind: 'server',
  chosen: (p) => p.source === 'server',
  writtenIssues: serverStreamIssues,
  // Its rules need the keys as written (writtenIssues): the parsed object has every request key's default.
  issues: () => [],
  normalize: (p) => ({
    stream: { timestamp: p.timestamp ?? null, timestampUnit: p.timestampUnit ?? 'ms', sequence: p.sequence ?? null, binary: p.binary },
  }),
};
