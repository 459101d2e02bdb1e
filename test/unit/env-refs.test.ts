/** `{env.NAME}`: the rules (which strings, unset, malformed) and the fill of what leaves for the target. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { envIssues } from '../../src/scenario/env-rules.js';
import { fillEnv } from '../../src/run/env-refs.js';
import { publishingWithEnv, slicesWithEnv } from '../../src/driver/env-fill.js';
import { workerSlices, planWorkers } from '../../src/driver/plan.js';
import { scenarioFrom } from '../helpers/run-helpers.js';

const env = { TOKEN: 'tok"1', HOST: 'gw.example:8443', EMPTY: '' };

describe('envIssues', () => {
  it('accepts set references in every string that is filled, nested JSON included', () => {
    const written = {
      target: {
        url: 'wss://{env.HOST}/ws',
        headers: { Authorization: 'Bearer {env.TOKEN}' },
        open: [{ send: { auth: { token: '{env.TOKEN}' } } }],
      },
      publish: {
        url: 'https://{env.HOST}/p?v={value}',
        headers: { A: '{env.TOKEN}' },
        body: { deep: ['{env.TOKEN}'] },
        socket: { url: 'ws://{env.HOST}/c', headers: { B: '{env.TOKEN}' }, open: [{ send: '{env.TOKEN}' }] },
      },
      identities: { file: '{env.HOST}/users.csv' },
    };
    expect(envIssues(written, env)).toEqual([]);
  });

  it('names the variable and the JSON path of an unset or empty one, never a value', () => {
    expect(envIssues({ target: { url: 'ws://{env.HOST}/ws?t={env.NOPE}', headers: { 'X-Key': '{env.EMPTY}' } } }, env)).toEqual([
      {
        path: 'target.url',
        message: 'environment variable NOPE is not set (or empty); expected it exported before wsload runs ({env.NOPE})',
      },
      {
        path: 'target.headers["X-Key"]',
        message: 'environment variable EMPTY is not set (or empty); expected it exported before wsload runs ({env.EMPTY})',
      },
    ]);
  });

  it('refuses a malformed name, a reference where nothing is filled, a header value with a newline and a URL that breaks once filled', () => {
    const issues = envIssues(
      {
        name: '{env.TOKEN}',
        target: { url: 'ws://{env.HOST}/ws', headers: { H: '{env.my-token}' } },
        publish: { url: 'http://{env.SPACE}/x' },
      },
      { ...env, SPACE: 'a b/c' },
    );
    expect(
      issues.map((i) => i.path),
      JSON.stringify(issues),
    ).toEqual(['name', 'target.headers.H', 'publish.url']);
    expect(issues[0].message).toContain('is filled in only in target.url');
    expect(issues[1].message).toContain('"{env.my-token}" is no environment variable name');
    expect(issues[2].message).toBe(
      'with {env.SPACE} filled in from the environment, not a URL (the value is not shown); expected a URL once filled',
    );
    expect(envIssues({ target: { url: 'ws://h/ws', headers: { H: 'x {env.NL}' } } }, { NL: 'a\r\nInjected: 1' })[0].message).toBe(
      'environment variable NL holds CR, LF or another control character, which cannot go in a header (the value is not shown)',
    );
    for (const i of issues) expect(i.message).not.toContain('a b/c');
  });
});

describe('the fill', () => {
  it('JSON-escapes a value in a JSON message and leaves a text one as is', () => {
    expect(fillEnv('{"t":"{env.TOKEN}"}', env, (v) => JSON.stringify(v).slice(1, -1))).toBe('{"t":"tok\\"1"}');
    expect(fillEnv('Bearer {env.TOKEN} {env.NOPE}', env)).toBe('Bearer tok"1 {env.NOPE}');
  });

  afterEach(() => vi.unstubAllEnvs());

  it('fills the slices (URL, headers, open messages) and the publisher, and leaves the scenario as written', () => {
    // Validation checks the references against the environment the run fills them from.
    vi.stubEnv('HOST', env.HOST);
    vi.stubEnv('TOKEN', env.TOKEN);
    const scenario = scenarioFrom({
      name: 'env',
      target: { url: 'ws://{env.HOST}/ws', headers: { Authorization: 'Bearer {env.TOKEN}' }, open: [{ send: { t: '{env.TOKEN}' } }] },
      connections: 2,
      duration: '1s',
      publish: { rate: 1, url: 'http://{env.HOST}/p?v={value}', method: 'POST', headers: { A: '{env.TOKEN}' }, body: { b: '{env.TOKEN}' } },
    });
    const ring = new SharedArrayBuffer(8);
    const [slice] = slicesWithEnv(
      workerSlices(scenario, planWorkers(scenario), {
        url: 'ws://{env.HOST}/ws',
        runTag: null,
        checkIds: false,
        ring,
        ringSize: 1,
        tickMs: 1000,
        timeline: null,
      }),
      env,
    );
    expect(slice.connect.urlTemplate).toBe('ws://gw.example:8443/ws');
    expect(slice.connect.headers).toEqual({ Authorization: 'Bearer tok"1' });
    expect(JSON.parse(slice.connect.open[0].text)).toEqual({ t: 'tok"1' });
    const publishing = publishingWithEnv(scenario, env).publish;
    expect(publishing?.url).toBe('http://gw.example:8443/p?v={value}');
    expect(publishing?.request?.headers).toEqual({ A: 'tok"1' });
    expect(JSON.parse(publishing?.request?.body?.template ?? '')).toEqual({ b: 'tok"1' });
    // The scenario the report is built from keeps every template.
    expect(JSON.stringify(scenario)).not.toContain('gw.example');
    expect(JSON.stringify(scenario)).not.toContain('tok');
  });
});
