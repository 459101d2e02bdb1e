/**
 * What one publish method declares at the scenario layer: whether the publish object as written
 * asks for it, the rules across its keys, and its part of the normalized scenario. One module per
 * method (http.ts, websocket.ts, server.ts), registered in table.ts; the same kinds as
 * run/publish-methods/ (the contract's `PublishMethod`), whose entries say how a normalized
 * method is described and filled.
 */
import type { Issue } from '../../errors.js';
import type { Publish, PublishMethodKind, ServerStream } from '../../run/scenario.js';
import type { WrittenScenario } from '../schema.js';

/** The publish object after the schema (defaults filled). */
export type WrittenPublish = NonNullable<WrittenScenario['publish']>;

/** A method's part of the normalized scenario: options of `Scenario.publish` for a method that sends, or the server's stream. */
export type NormalizedMethod = { publish: Pick<Publish, 'request' | 'websocket' | 'protocol'> } | { stream: ServerStream };

export interface WrittenPublishMethod<K extends PublishMethodKind = PublishMethodKind> {
  readonly kind: K;
  /** Whether the publish object (parsed, possibly only its valid keys) asks for this method; the table asks the entries in order. */
  chosen(p: WrittenPublish): boolean;
  /**
   * Rules read off the publish object as written, before the schema fills defaults: only written
   * keys tell what the user set. Runs whichever method is chosen (a key of this method written for another).
   */
  writtenIssues?(raw: Record<string, unknown>): Issue[];
  /** Rules across the parsed keys when this method is chosen. */
  issues(p: WrittenPublish): Issue[];
  /** Rules on this method's own keys when another method that sends is chosen: they would be ignored. */
  strayIssues?(p: WrittenPublish): Issue[];
  /** Its part of the normalized scenario; `protocol` is the scenario's protocol name (a protocol publish speaks it), if any. */
  normalize(p: WrittenPublish, protocol: string | undefined): NormalizedMethod;
}

/** Whether a template carries the publish's seq ("{seq}" or "{value}"): subscribers find the publish by it. */
export function carriesSeq(text: string): boolean {
  return text.includes('{seq}') || text.includes('{value}');
}

/** The body or message as written, as text (a JSON one stringified). */
export function writtenBodyText(body: unknown): string {
  return body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
}
