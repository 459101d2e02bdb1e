/**
 * Publish URL templates. Per publish, "{id}" becomes the publish's id, "{seq}" its sequence number
 * (an integer from 1), and "{value}" the tagged value `<run tag>-<seq>`: the tag tells this run's
 * pushes from those of any other run against the same target.
 */
import { randomBytes } from 'node:crypto';
import type { PublishBody } from './scenario.js';

const TAG_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh run tag: 8 characters [a-z0-9], URL- and JSON-safe, about 41 bits of randomness. */
export function newRunTag(): string {
  const bytes = randomBytes(8);
  let tag = '';
  for (const b of bytes) tag += TAG_ALPHABET[b % TAG_ALPHABET.length];
  return tag;
}

/** The demo's publish endpoint on the target's host: ws(s)://host:port/… → http(s)://host:port/api?id={id}&value={value}. */
export function defaultPublishTemplate(wsUrl: string): string {
  const u = new URL(wsUrl.replaceAll('{conn}', '0'));
  const scheme = u.protocol === 'wss:' ? 'https:' : 'http:';
  return `${scheme}//${u.host}/api?id={id}&value={value}`;
}

/** The tag this run's pushed values carry, or null when the template publishes only `{seq}`. */
export function runTagOf(template: string, tag: string): string | null {
  return template.includes('{value}') ? tag : null;
}

/** Whether the target is told the id, so a pushed id can be checked against it. */
export function templateCarriesId(template: string): boolean {
  return template.includes('{id}');
}

/** The id of publish `seq`: ids cycled in order. */
export function publishId(ids: readonly string[], seq: number): string {
  return ids[(seq - 1) % ids.length];
}

/** `template` with publish `seq`'s placeholders filled; the id goes through `escapeId` (the tag and seq need no escaping). */
export function fillTemplate(
  template: string,
  ids: readonly string[],
  seq: number,
  tag: string,
  escapeId: (id: string) => string,
  topic: string | null = null,
): string {
  const filled = template
    .replaceAll('{id}', escapeId(publishId(ids, seq)))
    .replaceAll('{seq}', String(seq))
    .replaceAll('{value}', `${tag}-${seq}`);
  // The topic is escaped like the id: a URL component, JSON string content, or as is.
  return topic === null ? filled : filled.replaceAll('{topic}', escapeId(topic));
}

/** The URL of publish `seq`. */
export function fillPublishUrl(template: string, ids: readonly string[], seq: number, tag: string, topic: string | null = null): string {
  return fillTemplate(template, ids, seq, tag, encodeURIComponent, topic);
}

/** An id inside a JSON string literal: escaped, without the quotes. */
function jsonStringContent(id: string): string {
  return JSON.stringify(id).slice(1, -1);
}

function asIs(id: string): string {
  return id;
}

/** The body (or WebSocket message) of publish `seq`. */
export function fillBody(body: PublishBody, ids: readonly string[], seq: number, tag: string, topic: string | null = null): string {
  return fillTemplate(body.template, ids, seq, tag, body.json ? jsonStringContent : asIs, topic);
}

/** A header value of publish `seq` (ids are written as they are; validation refuses ids a header cannot hold). */
export function fillHeader(template: string, ids: readonly string[], seq: number, tag: string, topic: string | null = null): string {
  return fillTemplate(template, ids, seq, tag, asIs, topic);
}

/** Stands for a JSON string value that is exactly "{seq}" while the body is serialized. */
const SEQ_NUMBER_MARKER = '\u0000{seq}';

/**
 * A written body as a template: text as it is, a JSON value serialized, where a string value that
 * is exactly "{seq}" becomes the bare number (services that want `"seq": 42`, not `"seq": "42"`).
 */
export function bodyTemplate(body: unknown): PublishBody {
  if (typeof body === 'string') return { template: body, json: false };
  const text = JSON.stringify(body, (_key, value: unknown) => (value === '{seq}' ? SEQ_NUMBER_MARKER : value));
  return { template: text.replaceAll(JSON.stringify(SEQ_NUMBER_MARKER), '{seq}'), json: true };
}
