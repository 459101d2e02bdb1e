/** Publish URL templates: "{id}", "{seq}" and "{value}" (= seq) are filled per publish. */

/** The demo's publish endpoint on the target's host: ws(s)://host:port/… → http(s)://host:port/api?id={id}&value={seq}. */
export function defaultPublishTemplate(wsUrl: string): string {
  const u = new URL(wsUrl.replaceAll('{conn}', '0'));
  const scheme = u.protocol === 'wss:' ? 'https:' : 'http:';
  return `${scheme}//${u.host}/api?id={id}&value={seq}`;
}

/** The URL of publish `seq`, with ids cycled in order. */
export function fillPublishUrl(template: string, ids: string[], seq: number): string {
  const id = ids[(seq - 1) % ids.length];
  return template
    .replaceAll('{id}', encodeURIComponent(id))
    .replaceAll('{seq}', String(seq))
    .replaceAll('{value}', String(seq));
}
