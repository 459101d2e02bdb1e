/**
 * The sender of the "http" publish method (run/publish-methods/http.ts). Publishes as HTTP requests: the demo's GET of the publish URL, or the scenario's request
 * (method, templated headers and body, content type, the statuses that count as success). One
 * keep-alive agent holds at most `publish.concurrency` connections.
 */
import http from 'node:http';
import https from 'node:https';
import type { HttpPublishRequest, Publish, Scenario } from '../../run/scenario.js';
import { HTTP_STATUS_FAILURE, type HttpPublishMethod } from '../../run/publish-methods/http.js';
import { classifyConnectError } from '../../metrics/classify.js';
import { lookupFor, tlsConnectOptions } from '../../net/connect-options.js';
import { fillBody, fillHeader, fillPublishUrl } from '../../run/publish-url.js';
import type { PublishSender, SendDone, SendRelease } from '../sender.js';

/** Whether `status` is a successful answer: one of the listed statuses, or any 2xx without a list. */
export function statusAccepted(status: number, accepted: readonly number[] | null): boolean {
  return accepted === null ? status >= 200 && status < 300 : accepted.includes(status);
}

export class HttpSender implements PublishSender {
  private readonly publish: Publish;
  /** The request beyond its URL; null: the demo's GET, any 2xx. */
  private readonly httpRequest: HttpPublishRequest | null;
  private readonly agent: http.Agent;
  private readonly secure: boolean;
  private readonly requestOptions: https.RequestOptions;

  constructor(
    scenario: Scenario,
    method: HttpPublishMethod,
    private readonly template: string,
    private readonly runTag: string,
  ) {
    this.publish = method.publish;
    this.httpRequest = method.request;
    // Schemes are case-insensitive: http.request throws at once on an "HTTPS://" URL.
    this.secure = /^https:/i.test(template);
    const agentOptions = { keepAlive: true, maxSockets: this.publish.concurrency };
    this.agent = this.secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    const lookup = lookupFor(scenario.resolve);
    this.requestOptions = {
      agent: this.agent,
      method: this.httpRequest?.method ?? 'GET',
      ...(lookup ? { lookup } : {}),
      ...(this.secure ? tlsConnectOptions(scenario.tls) : {}),
    };
  }

  send(seq: number, done: SendDone, topic: string | null = null, left?: () => void): SendRelease {
    const { ids } = this.publish;
    const request = this.httpRequest;
    const url = fillPublishUrl(this.template, ids, seq, this.runTag, topic);
    let options = this.requestOptions;
    let body: string | null = null;
    if (request) {
      const headers: http.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name] = fillHeader(value, ids, seq, this.runTag, topic);
      if (request.body) {
        body = fillBody(request.body, ids, seq, this.runTag, topic);
        if (request.contentType !== null) headers['content-type'] = request.contentType;
        // A known length rather than chunked encoding, which some publish APIs refuse.
        headers['content-length'] = Buffer.byteLength(body);
      }
      options = { ...this.requestOptions, headers };
    }
    const current: { req: http.ClientRequest | null } = { req: null };
    this.request(url, options, body, done, current, true, left);
    // Whatever the body still holds is no longer wanted; on success the socket goes back to the agent.
    return (failed) => {
      if (failed) current.req?.destroy();
    };
  }

  private request(
    url: string,
    options: https.RequestOptions,
    body: string | null,
    done: SendDone,
    current: { req: http.ClientRequest | null },
    mayRetry: boolean,
    left?: () => void,
  ): void {
    const accepted = this.httpRequest?.status ?? null;
    const req = (this.secure ? https : http).request(url, options, (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => done(statusAccepted(status, accepted) ? null : `${HTTP_STATUS_FAILURE}${status}`));
      res.on('error', (err) => done(classifyConnectError(err)));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A kept-alive connection the server closed just as we reused it fails before the request
      // reached the server; Node's documented remedy is one retry on a fresh connection.
      if (mayRetry && req.reusedSocket && err.code === 'ECONNRESET') this.request(url, options, body, done, current, false, left);
      else done(classifyConnectError(err));
    });
    current.req = req;
    // 'finish': the request was handed to the OS (after the connect, on a new connection).
    if (left) req.once('finish', left);
    req.end(body ?? undefined);
  }

  close(): void {
    this.agent.destroy();
  }
}
