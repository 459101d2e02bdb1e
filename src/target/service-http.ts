/**
 * The push service's HTTP side (src/target/service.ts has the protocol): publish by POST or GET,
 * its counts at /admin/stats, a page describing the protocol at /.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendText } from './http-reply.js';
import { parseObject, type ServiceHub } from './service-hub.js';
import { SHIPPED_PUBLISH_TOKEN } from './service-options.js';

const HELP = `wsload push service: the protocol of the shipped real-service scenarios
  WebSocket on any path; ?token=T or Authorization: Bearer T; ?topic=t subscribes at once
  -> {"type":"subscribe","topic":"t"}       <- {"type":"subscribed","topic":"t"}
  -> {"type":"publish","topic":"t",...}     <- {"type":"published","topic":"t","delivered":n} (chat)
  POST /publish  Authorization: Bearer PUBLISH-TOKEN  {"topic":"t",...}
  GET  /publish?topic=t&seq=1&auth=PUBLISH-TOKEN
  pushes: {"type":"event","data":{...,"topic":"t","ts":<epoch ms>}}
  GET /admin/stats  counts as JSON
`;

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** The service's request handler over its hub; publishes must present `publishToken`. */
export function serviceRoutes(hub: ServiceHub, publishToken: string): (req: IncomingMessage, res: ServerResponse) => void {
  // A publish URL template publishes by GET: the same publish as query parameters.
  const getPublish = (url: URL, res: ServerResponse): void => {
    if (url.searchParams.get('auth') !== publishToken) return json(res, 401, { error: 'bad token' });
    const topic = url.searchParams.get('topic');
    if (topic === null) return json(res, 400, { error: 'expected ?topic=' });
    const data: Record<string, unknown> = {};
    for (const [k, v] of url.searchParams) {
      if (k === 'auth' || k === 'topic') continue;
      // Digits become a JSON number, as a service's own counter would be; anything else stays text.
      data[k] = /^[0-9]+$/.test(v) ? Number(v) : v;
    }
    hub.publishes++;
    json(res, 200, { delivered: hub.fanOut(topic, data, null) });
  };

  const postPublish = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (b: Buffer) => chunks.push(b));
    req.on('end', () => {
      if (req.headers.authorization !== `Bearer ${publishToken}`) return json(res, 401, { error: 'bad token' });
      const body = parseObject(Buffer.concat(chunks).toString('utf8'));
      if (body === null || typeof body.topic !== 'string') return json(res, 400, { error: 'expected {"topic": …}' });
      hub.publishes++;
      const { topic, ...data } = body;
      json(res, 200, { delivered: hub.fanOut(topic, data, null) });
    });
  };

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/publish') {
      if (req.method === 'GET') return getPublish(url, res);
      if (req.method === 'POST') return postPublish(req, res);
      return json(res, 405, { error: 'POST or GET only' });
    }
    if (url.pathname === '/admin/stats' && req.method === 'GET') return json(res, 200, hub.stats());
    if (url.pathname === '/' && req.method === 'GET')
      return sendText(res, 200, HELP.replaceAll('PUBLISH-TOKEN', publishToken === SHIPPED_PUBLISH_TOKEN ? publishToken : '<token>'));
    json(res, 404, { error: 'not found (paths: /publish, /admin/stats, WebSocket upgrades on any path)' });
  };
}
