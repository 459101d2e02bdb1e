import { describe, expect, it } from 'vitest';
import type { Issue } from '../../src/errors.js';
import { validation } from '../helpers/validation.js';
import type { ScenarioOverrides } from '../../src/scenario/overrides.js';
import type { Scenario } from '../../src/run/scenario.js';
import { bodyTemplate, fillBody, fillHeader, runTagOf, templateCarriesId } from '../../src/run/publish-url.js';
import { publishTemplateText } from '../../src/run/publish-methods/table.js';
import { statusAccepted } from '../../src/publisher/methods/http.js';
import { ackedSeq } from '../../src/publisher/methods/websocket.js';
import { describePublishFailure } from '../../src/metrics/publish-failure.js';
import { describePlan } from '../../src/driver/plan.js';

const base = { name: 't', connections: 10, duration: '30s', target: { url: 'ws://127.0.0.1:9/ws' } };

const v = validation({ cpus: 2, interfaces: null });

const ok = (value: unknown, overrides?: ScenarioOverrides): Scenario => v.ok(value, { overrides });
const issues = (value: unknown, overrides?: ScenarioOverrides): Issue[] => v.issues(value, { overrides });

const POST = { url: 'http://127.0.0.1:9/publish', body: { seq: '{seq}', value: '{value}' } };
const CHAT = { via: 'websocket', socket: { url: 'ws://127.0.0.1:9/chat' }, body: { type: 'say', text: '{value}' } };

describe('publish request: normalized', () => {
  it('leaves the demo publish as it was: no request, no socket', () => {
    const p = ok({ ...base, publish: { rate: 5 } }).publish;
    expect(p).not.toHaveProperty('request');
    expect(p).not.toHaveProperty('websocket');
  });

  it('a body without a method is a POST, JSON bodies are sent as application/json with a numeric {seq}', () => {
    const r = ok({ ...base, publish: { ...POST, headers: { Authorization: 'Bearer t' } } }).publish?.request;
    expect(r).toEqual({
      method: 'POST',
      headers: { Authorization: 'Bearer t' },
      body: { template: '{"seq":{seq},"value":"{value}"}', json: true },
      contentType: 'application/json',
      status: null,
    });
    expect(ok({ ...base, publish: { ...POST, body: 'seq={seq}', method: 'put', status: 204 } }).publish?.request).toMatchObject({
      method: 'PUT',
      contentType: 'text/plain; charset=utf-8',
      status: [204],
    });
    // A Content-Type header wins over the default.
    expect(
      ok({ ...base, publish: { ...POST, headers: { 'content-type': 'application/x-ndjson' } } }).publish?.request?.contentType,
    ).toBeNull();
  });

  it('via websocket keeps the socket, its open messages as text and the message template', () => {
    const w = ok({
      ...base,
      publish: {
        ...CHAT,
        socket: { url: 'ws://127.0.0.1:9/chat', open: [{ send: 'hello' }, { send: { type: 'login' } }] },
        ack: '"ack":"([^"]+)"',
      },
    }).publish?.websocket;
    expect(w).toEqual({
      url: 'ws://127.0.0.1:9/chat',
      headers: {},
      subprotocols: [],
      open: ['hello', '{"type":"login"}'],
      message: { template: '{"type":"say","text":"{value}"}', json: true },
      ack: '"ack":"([^"]+)"',
    });
  });
});

describe('publish request: every mistake named by its JSON path', () => {
  const cases: { name: string; publish: Record<string, unknown>; path: string; fragment: string }[] = [
    { name: 'GET with a body', publish: { ...POST, method: 'GET' }, path: 'publish.body', fragment: 'a GET request carries no body' },
    { name: 'method with a space', publish: { ...POST, method: 'PO ST' }, path: 'publish.method', fragment: 'an HTTP method' },
    { name: 'status out of range', publish: { ...POST, status: 99 }, path: 'publish.status', fragment: 'from 100 to 599' },
    {
      name: 'status list with a string',
      publish: { ...POST, status: [200, '201'] },
      path: 'publish.status[1]',
      fragment: 'from 100 to 599',
    },
    { name: 'empty status list', publish: { ...POST, status: [] }, path: 'publish.status', fragment: 'non-empty list' },
    { name: 'body a number', publish: { ...POST, body: 5 }, path: 'publish.body', fragment: 'a text template or a JSON object' },
    {
      name: 'bad header name',
      publish: { ...POST, headers: { 'X Token': 'a' } },
      path: 'publish.headers["X Token"]',
      fragment: 'a header name',
    },
    {
      name: 'header value with LF',
      publish: { ...POST, headers: { 'X-Token': 'a\nb' } },
      path: 'publish.headers["X-Token"]',
      fragment: 'without CR, LF',
    },
    {
      name: 'id that breaks a header',
      publish: { ...POST, ids: ['a\nb'], headers: { 'X-Room': '{id}' } },
      path: 'publish.headers["X-Room"]',
      fragment: 'control character',
    },
    {
      name: 'content type twice',
      publish: { ...POST, contentType: 'application/json', headers: { 'Content-Type': 'text/plain' } },
      path: 'publish.contentType',
      fragment: 'also set in publish.headers["Content-Type"]',
    },
    {
      name: 'no seq anywhere',
      publish: { url: 'http://127.0.0.1:9/publish', body: { text: 'hi' } },
      path: 'publish.url',
      fragment: '"{seq}" or "{value}"',
    },
    {
      name: 'unknown via',
      publish: { ...POST, via: 'grpc' },
      path: 'publish.via',
      fragment: '"http", "websocket" or "protocol", got "grpc"',
    },
    {
      name: 'websocket without socket',
      publish: { via: 'websocket', body: '{seq}' },
      path: 'publish.socket',
      fragment: 'required with publish.via "websocket"',
    },
    {
      name: 'websocket without body',
      publish: { via: 'websocket', socket: { url: 'ws://127.0.0.1:9/chat' } },
      path: 'publish.body',
      fragment: 'required with publish.via "websocket"',
    },
    {
      name: 'websocket message without seq',
      publish: { ...CHAT, body: 'hello' },
      path: 'publish.body',
      fragment: 'carrying "{seq}" or "{value}"',
    },
    {
      name: 'websocket with an HTTP url',
      publish: { ...CHAT, url: 'http://127.0.0.1:9/p?v={seq}' },
      path: 'publish.url',
      fragment: 'applies to HTTP publishes only',
    },
    {
      name: 'websocket with a method',
      publish: { ...CHAT, method: 'POST' },
      path: 'publish.method',
      fragment: 'applies to HTTP publishes only',
    },
    {
      name: 'socket on an http URL',
      publish: { ...CHAT, socket: { url: 'http://127.0.0.1:9/chat' } },
      path: 'publish.socket.url',
      fragment: 'ws:// or wss://',
    },
    {
      name: 'unknown socket key',
      publish: { ...CHAT, socket: { url: 'ws://127.0.0.1:9/chat', opne: [] } },
      path: 'publish.socket.opne',
      fragment: 'did you mean "open"',
    },
    {
      name: 'open message a number',
      publish: { ...CHAT, socket: { url: 'ws://127.0.0.1:9/chat', open: [{ send: 5 }] } },
      path: 'publish.socket.open[0].send',
      fragment: 'a text message',
    },
    {
      name: 'open step without send',
      publish: { ...CHAT, socket: { url: 'ws://127.0.0.1:9/chat', open: ['hi'] } },
      path: 'publish.socket.open[0]',
      fragment: 'an object like {"send"',
    },
    {
      name: 'socket without via',
      publish: { ...POST, socket: { url: 'ws://127.0.0.1:9/chat' } },
      path: 'publish.socket',
      fragment: 'applies only with publish.via "websocket"',
    },
    {
      name: 'ack on HTTP',
      publish: { ...POST, ack: '(\\d+)' },
      path: 'publish.ack',
      fragment: 'applies only with publish.via "websocket"',
    },
    { name: 'ack without a capture', publish: { ...CHAT, ack: 'ack' }, path: 'publish.ack', fragment: 'exactly one capture group' },
    { name: 'ack that does not compile', publish: { ...CHAT, ack: '(' }, path: 'publish.ack', fragment: 'exactly one capture group' },
  ];

  it.each(cases)('$name → $path', ({ publish, path, fragment }) => {
    const found = issues({ ...base, publish });
    expect(found.map((i) => i.path)).toContain(path);
    expect(found.find((i) => i.path === path)?.message).toContain(fragment);
  });
});

describe('--rate', () => {
  it('overrides publish.rate', () => {
    expect(ok({ ...base, publish: { rate: 5 } }, { rate: '50' }).publish?.rate).toBe(50);
    expect(ok({ ...base, publish: { rate: 5 } }, { rate: '0.5' }).publish?.rate).toBe(0.5);
  });

  it.each([
    ['abc', 'expected publishes per second, a number > 0 like 10 or 0.5, got "abc"'],
    ['0', 'expected publishes per second, a number > 0 like 10 or 0.5, got "0"'],
    ['-3', 'expected publishes per second, a number > 0 like 10 or 0.5, got "-3"'],
    ['20000', 'expected publishes per second, a number > 0 and ≤ 10000, got 20000'],
  ])('refuses %s, naming the flag', (raw, message) => {
    expect(issues({ ...base, publish: { rate: 5 } }, { rate: raw })).toEqual([{ path: '--rate', message }]);
  });

  it('refuses a scenario that publishes nothing', () => {
    expect(issues(base, { rate: '10' })).toEqual([
      { path: '--rate', message: 'the scenario publishes nothing (publish is null); expected a scenario with a publish section' },
    ]);
  });
});

describe('publish templates', () => {
  it('fills a JSON body with the id escaped inside its string, and a text body as written', () => {
    const json = bodyTemplate({ room: '{id}', seq: '{seq}', v: '{value}', note: 'seq {seq}' });
    expect(JSON.parse(fillBody(json, ['a"b'], 3, 'tag'))).toEqual({ room: 'a"b', seq: 3, v: 'tag-3', note: 'seq 3' });
    expect(fillBody(bodyTemplate('id={id}&v={value}'), ['x y'], 2, 'tag')).toBe('id=x y&v=tag-2');
    expect(fillHeader('Bearer {id}', ['k'], 1, 'tag')).toBe('Bearer k');
  });

  it('reads the run tag and the id off every template the publish fills', () => {
    const s = ok({ ...base, publish: { url: 'http://127.0.0.1:9/p', headers: { 'X-Room': '{id}' }, body: { v: '{value}' } } });
    const text = publishTemplateText(s.publish!, 'http://127.0.0.1:9/p');
    expect(runTagOf(text, 'tag')).toBe('tag');
    expect(templateCarriesId(text)).toBe(true);
    const chat = ok({ ...base, publish: { ...CHAT, body: 'say {seq}' } });
    expect(runTagOf(publishTemplateText(chat.publish!, 'ws://127.0.0.1:9/chat'), 'tag')).toBeNull();
  });

  it('judges statuses against publish.status, any 2xx without it', () => {
    expect(statusAccepted(204, null)).toBe(true);
    expect(statusAccepted(302, null)).toBe(false);
    expect(statusAccepted(202, [200])).toBe(false);
    expect(statusAccepted(409, [200, 409])).toBe(true);
  });

  it("reads an acknowledged seq from a reply: a bare integer or this run's tagged value", () => {
    const ack = /"ack":"?([^",}]+)/;
    expect(ackedSeq(ack, '{"ack":"tag-12"}', 'tag')).toBe(12);
    expect(ackedSeq(ack, '{"ack":7}', 'tag')).toBe(7);
    expect(ackedSeq(ack, '{"ack":"other-12"}', 'tag')).toBeNull();
    expect(ackedSeq(ack, '{"ack":"soon"}', 'tag')).toBeNull();
    expect(ackedSeq(ack, '{"nack":1}', 'tag')).toBeNull();
  });

  it('names publisher socket failures in plain words', () => {
    expect(describePublishFailure('ws-refused')).toBe('the publisher socket did not open: connection refused (nothing listening)');
    expect(describePublishFailure('ws-http-401')).toBe('the publisher socket did not open: HTTP 401 on upgrade');
    expect(describePublishFailure('ws-closed')).toBe('the publisher socket closed before the message was written or acknowledged');
  });

  it('the plan line says how publishes are made', () => {
    const post = ok({ ...base, publish: { ...POST, rate: 10 } });
    expect(describePlan(post, 'http://127.0.0.1:9/publish', 1, 'tag')).toContain(
      'publish 10/s POST to http://127.0.0.1:9/publish (values tagged tag)',
    );
    const chat = ok({ ...base, publish: { ...CHAT, rate: 10 } });
    expect(describePlan(chat, 'ws://127.0.0.1:9/chat', 1, 'tag')).toContain(
      'publish 10/s as messages on ws://127.0.0.1:9/chat (values tagged tag)',
    );
    const demo = ok({ ...base, publish: { rate: 10 } });
    expect(describePlan(demo, 'http://127.0.0.1:9/api?id={id}&value={value}', 1)).toMatch(/publish 10\/s to http:\/\/127.0.0.1:9\/api$/);
  });
});
