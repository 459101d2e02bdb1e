/**
 * Publish URL templates. Per publish, "{id}" becomes the publish's id, "{seq}" its sequence number
 * (an integer from 1), and "{value}" the tagged value `<run tag>-<seq>`: the tag tells this run's
 * pushes from those of any other run against the same target.
 */
import { randomBytes } from 'node:crypto';

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

/** The URL of publish `seq`. */
export function fillPublishUrl(template: string, ids: readonly string[], seq: number, tag: string): string {
  return template
    .replaceAll('{id}', encodeURIComponent(publishId(ids, seq)))
    .replaceAll('{seq}', String(seq))
    .replaceAll('{value}', `${tag}-${seq}`);
}
