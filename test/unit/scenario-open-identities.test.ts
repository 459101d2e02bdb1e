import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validation } from '../helpers/validation.js';
import { readIdentities, splitCsvLine } from '../../src/scenario/identities-file.js';
import { fillPlaceholders, jsonEscape } from '../../src/run/placeholders.js';
import { atPointer } from '../../src/worker/open-sequence.js';
import { attemptLimitMs, describePlan, identitiesOf, planWorkers, workerSlices } from '../../src/driver/plan.js';

const dir = mkdtempSync(join(tmpdir(), 'wsload-ids-unit-'));
function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}
const url = 'ws://127.0.0.1:9/ws';
const base = { name: 't', connections: 3, duration: '1s', target: { url } };

const { run, ok, lines: issues } = validation({ cpus: 2, baseDir: dir, interfaces: null });

describe('identities files', () => {
  it('reads CSV with quotes and JSON lines, values as strings', () => {
    expect(splitCsvLine('a,"b,c","d ""e"""')).toEqual(['a', 'b,c', 'd "e"']);
    expect(splitCsvLine('a,"b')).toBeNull();
    const csv = readIdentities(join(dir, file('a.csv', 'user,token\r\nu1,"t,1"\n\nu2,t2\n')));
    expect(csv).toEqual({
      fields: ['user', 'token'],
      rows: [
        ['u1', 't,1'],
        ['u2', 't2'],
      ],
    });
    const jsonl = readIdentities(join(dir, file('a.jsonl', '{"user":"u1","id":7}\n{"user":"u2","id":8,"extra":true}\n')));
    expect(jsonl).toEqual({
      fields: ['user', 'id'],
      rows: [
        ['u1', '7'],
        ['u2', '8'],
      ],
    });
  });

  it('names the file and line of a bad row', () => {
    expect(readIdentities(join(dir, file('b.csv', 'user,token\nu1,t1\nu2\n')))).toEqual({
      message: `${join(dir, 'b.csv')} line 3: 1 values, expected 2 (user, token)`,
    });
    expect(readIdentities(join(dir, file('b.jsonl', '{"user":"u1"}\n{"user":\n')))).toMatchObject({
      message: expect.stringMatching(/b\.jsonl line 2: invalid JSON/),
    });
    expect(readIdentities(join(dir, file('c.jsonl', '{"user":"u1"}\n{"name":"x"}\n')))).toEqual({
      message: `${join(dir, 'c.jsonl')} line 2: no "user" (the first identity has user)`,
    });
    expect(readIdentities(join(dir, file('d.csv', 'user,user\nu,v\n')))).toMatchObject({
      message: expect.stringMatching(/line 1: field name "user" appears twice/),
    });
    expect(readIdentities(join(dir, 'missing.csv'))).toMatchObject({ message: expect.stringMatching(/^file not found: .*missing\.csv/) });
  });
});

describe('validation of target.open and identities', () => {
  it('fewer identities than sockets is an error naming the file and both counts, unless reuse', () => {
    const f = file('two.csv', 'token\nt0\nt1\n');
    expect(issues({ ...base, identities: { file: f } })).toEqual([
      `identities.file: ${join(dir, f)} has 2 identities for 3 connections; expected at least 3, or "reuse": true to hand them out round robin`,
    ]);
    const s = ok({ ...base, identities: { file: f, reuse: true } });
    expect(s.identities).toEqual({ file: join(dir, f), fields: ['token'], count: 2, rows: [['t0'], ['t1']], reuse: true });
    // Round robin, and each worker gets only its own sockets' identities.
    expect(identitiesOf(s, [0, 1, 2])).toEqual({ fields: ['token'], rows: [['t0'], ['t1'], ['t0']] });
    const slices = workerSlices({ ...s, workers: 2 }, planWorkers({ ...s, workers: 2 }), {
      url,
      runTag: null,
      checkIds: false,
      ring: new SharedArrayBuffer(8),
      ringSize: 32,
      tickMs: 100,
      timeline: null,
    });
    expect(slices.map((w) => w.identities?.rows)).toEqual([[['t0'], ['t0']], [['t1']]]);
  });

  it('a bad file is one issue with its line', () => {
    const f = file('bad.csv', 'token\nt0\n"t1\n');
    expect(issues({ ...base, identities: { file: f } })).toEqual([
      `identities.file: ${join(dir, f)} line 3: unterminated or misplaced quote`,
    ]);
    expect(issues({ ...base, identities: { file: 'x.txt' } })[0]).toMatch(
      /^identities\.file: expected a \.csv, \.jsonl or \.ndjson file path/,
    );
    expect(issues({ ...base, identities: { file: 'x.csv', reuse: 'yes' } })).toContain(
      'identities.reuse: expected true or false, got "yes"',
    );
  });

  it('every placeholder is checked where it is used', () => {
    const f = file('three.csv', 'user,token\nu0,t0\nu1,t1\nu2,"t\x01"\n');
    const target = {
      url: `${url}?t={identity.tokn}`,
      headers: { Authorization: 'Bearer {identity.token}' },
      open: [{ send: { op: 'sub', topic: '{topic}' } }, { send: 'hi', timeout: '1s', reject: { regex: 'x' } }],
    };
    expect(issues({ ...base, target, identities: { file: f } })).toEqual([
      `target.url: uses "{identity.tokn}" but ${join(dir, f)} has no field "tokn" (it has user, token)`,
      `target.headers.Authorization: identity 3 of ${join(dir, f)} has a "token" with CR, LF or another control character, which cannot go in a header`,
      'target.open[0].send: "{topic}" is not available: this scenario assigns no topics to sockets; expected a top-level "topics" key, or "{conn}", "{cohort}" or "{identity.FIELD}"',
      'target.open[1].reject: requires "ack": a reject match only applies while waiting for an acknowledgement',
      'target.open[1].timeout: requires "ack": the timeout bounds the wait for an acknowledgement',
    ]);
    expect(issues({ ...base, target: { url, open: [{ send: '{identity.token}' }] } })).toEqual([
      'target.open[0].send: uses "{identity.token}" but the scenario has no identities; expected an "identities": {"file": …} key',
    ]);
  });

  it('rejects malformed steps and matches with their JSON paths', () => {
    const bad = issues({
      ...base,
      target: {
        url,
        open: [
          { send: 5 },
          { send: 'x', ack: { pointer: 'type', equals: 'ok' } },
          { send: 'x', ack: { regex: '(' } },
          { send: 'x', ack: { pointer: '/a', equals: {} } },
          { send: 'x', ack: {}, timeout: '0s' },
          { send: 'x', ack: { pointer: '/a' } },
          { send: 'x', ack: { regex: 'a', equals: 1 } },
        ],
      },
    });
    expect(bad).toEqual([
      'target.open[0].send: expected a text message (string) or a JSON message (object or array), got 5',
      'target.open[1].ack.pointer: expected a JSON pointer like "/type" or "/data/status" (RFC 6901: "" or starting with "/"), got "type"',
      'target.open[2].ack.regex: expected a regular expression (JavaScript syntax), got "("',
      'target.open[3].ack.equals: expected a string, number, boolean or null, got {}',
      'target.open[4].ack: required: "pointer" with "equals", or "regex"; expected an object like {"pointer": "/type", "equals": "subscribed"} or {"regex": "^OK"}',
      expect.stringMatching(/^target\.open\[4\]\.timeout: expected a duration/),
      'target.open[5].ack.equals: required with "pointer"; expected the value the pointer must hold (a string, number, boolean or null)',
      'target.open[6].ack.regex: expected either "regex" or "pointer" with "equals", got both',
    ]);
  });

  it('normalizes steps (JSON sent as JSON text, default ack timeout) and leaves the demo target unchanged', () => {
    const s = ok({
      ...base,
      target: {
        url,
        open: [{ send: { type: 'subscribe', user: '{conn}' }, ack: { pointer: '/type', equals: 'subscribed' } }, { send: 'PING' }],
      },
    });
    expect(s.target).toMatchObject({
      open: [
        {
          text: '{"type":"subscribe","user":"{conn}"}',
          json: true,
          ack: { pointer: '/type', equals: 'subscribed' },
          reject: null,
          timeoutMs: 10_000,
        },
        { text: 'PING', json: false, ack: null, reject: null, timeoutMs: 10_000 },
      ],
    });
    expect(ok({ ...base, target: { url } }).target).not.toHaveProperty('open');
    // The ramp bound covers the ack waits; the plan line names the open messages.
    expect(attemptLimitMs(s)).toBe(20_000);
    expect(describePlan(s, null, 1)).toContain('2 open messages, 1 ack awaited');
  });
});

describe('--url with target.open', () => {
  it('keeps the open messages (the service protocol) and drops the rest of the target', () => {
    const r = run(
      { ...base, target: { url, headers: { A: 'b' }, open: [{ send: 'SUB' }] } },
      { overrides: { url: 'ws://127.0.0.2:9/ws' } },
    );
    if ('issues' in r) throw new Error('expected valid');
    expect(r.scenario.target).toMatchObject({ url: 'ws://127.0.0.2:9/ws', headers: {}, open: [{ text: 'SUB' }] });
    // Issues of the kept messages keep their paths; the URL's go to the flag.
    const bad = run(
      { ...base, target: { url, open: [{ send: 'SUB', ack: { pointer: 'x', equals: 1 } }] } },
      { overrides: { url: 'http://x/' } },
    );
    expect('issues' in bad ? bad.issues.map((i) => i.path) : []).toEqual(['--url', 'target.open[0].ack.pointer']);
  });
});

describe('placeholders and pointers', () => {
  it('fills per socket, escaping for where the text goes', () => {
    const v = { conn: 4, cohort: 'a', fields: ['token'], values: ['x"y /z'] };
    expect(fillPlaceholders('{"t":"{identity.token}","c":"{conn}-{cohort}"}', v, jsonEscape)).toBe('{"t":"x\\"y /z","c":"4-a"}');
    expect(fillPlaceholders('ws://h/ws?t={identity.token}', v, encodeURIComponent)).toBe('ws://h/ws?t=x%22y%20%2Fz');
    expect(fillPlaceholders('{identity.other} {a}', v, (x) => x)).toBe('{identity.other} {a}');
  });

  it('reads RFC 6901 pointers', () => {
    const doc = { a: { 'b/c': [1, { '~d': 'ok' }] } };
    expect(atPointer(doc, ['a', 'b/c', '1', '~d'])).toBe('ok');
    expect(atPointer(doc, ['a', 'b/c', '01'])).toBeUndefined();
    expect(atPointer(doc, ['a', 'x'])).toBeUndefined();
    expect(atPointer(doc, [])).toBe(doc);
  });
});
