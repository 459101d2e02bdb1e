/**
 * Scenarios that validate key by key but would run without measuring what they ask (issue 21),
 * refused by `validate` and by `run` before anything starts, one line per problem at its path:
 * framing headers in publish.headers, a topic that gets 0 sockets, a hold of 0 s with publishing.
 */
import { describe, expect, it } from 'vitest';
import { assertBuilt, wsload, type CliResult } from '../helpers/cli.js';
import { scenarioFiles } from '../helpers/scenario-files.js';

assertBuilt();
const scenarios = scenarioFiles('edges-validate', {
  target: 'embedded',
  connections: 100,
  connectRate: 500,
  duration: '2s',
  workers: 1,
  publish: { rate: 5 },
});

/** These lines on stderr, nothing else (no stack trace, no plan line: nothing started), exit 2. */
function expectLines(r: CliResult, lines: string[]): void {
  expect(r.stderr, r.stderr).toBe(lines.map((l) => `wsload: ${l}\n`).join(''));
  expect(r.code).toBe(2);
}

const FRAMING = {
  'Content-Length':
    'wsload sets it from the body it sends; a written value would cut or stall the body and desync the keep-alive connection',
  'transfer-encoding':
    'wsload frames the body itself; a written encoding would make the server read the stream differently from how it was sent',
  Connection: "wsload keeps the connection alive and reuses it; closing or upgrading it is not the publish API's business",
  UPGRADE: 'a publish is a plain HTTP request; an upgrade would take the connection away from it',
  Host: 'it comes from publish.url (use --resolve HOST:IP to send it to another address)',
};

describe('publish.headers: framing headers refused at their path', () => {
  it('each of Content-Length, Transfer-Encoding, Connection, Upgrade, Host (any case); other headers pass', async () => {
    const file = scenarios.write('framing', {
      publish: {
        rate: 5,
        method: 'POST',
        body: { v: '{value}' },
        headers: { ...Object.fromEntries(Object.keys(FRAMING).map((k) => [k, 'x'])), 'X-Trace': '{seq}' },
      },
    });
    const expected = Object.entries(FRAMING).map(([name, why]) => {
      const path = /^[A-Za-z_$][\w$]*$/.test(name) ? `publish.headers.${name}` : `publish.headers[${JSON.stringify(name)}]`;
      return `${file}: ${path}: not allowed: ${why}; remove it`;
    });
    expectLines(await wsload(['validate', file]), expected);
    expectLines(await wsload(['run', file, '--quiet']), expected);
  }, 30_000);

  it('headers that do not frame the request (Authorization, Content-Type) pass', async () => {
    const r = await wsload([
      'validate',
      scenarios.write('plain-headers', { publish: { rate: 5, headers: { Authorization: 'Bearer x', 'Content-Type': 'text/plain' } } }),
    ]);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('topics: a topic with 0 sockets', () => {
  it('a share that rounds to 0 sockets: one line at topics[i].share', async () => {
    const file = scenarios.write('tiny-share', {
      topics: [
        { name: 'big', share: 0.998 },
        { name: 'tiny', share: 0.002 },
      ],
    });
    const line = `${file}: topics[1].share: topic "tiny" gets 0 of 100 sockets (a share of 0.002 rounds to 0), so its publishes would expect no delivery; expected a share of at least 0.010, counts, or more connections`;
    expectLines(await wsload(['validate', file]), [line]);
    expectLines(await wsload(['run', file, '--quiet']), [line]);
  }, 30_000);

  it('the same share with more connections (--connections 500) gives it a socket and passes', async () => {
    const r = await wsload([
      'validate',
      scenarios.write('tiny-share-ok', {
        topics: [
          { name: 'big', share: 0.998 },
          { name: 'tiny', share: 0.002 },
        ],
      }),
      '--connections',
      '500',
    ]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('a count of 0: one line at topics[i].count', async () => {
    const file = scenarios.write('zero-count', {
      topics: [
        { name: 'a', count: 100 },
        { name: 'b', count: 0 },
      ],
    });
    expectLines(await wsload(['validate', file]), [
      `${file}: topics[1].count: topic "b" has no socket, so its publishes would expect no delivery; expected a count ≥ 1 (or leave the topic out)`,
    ]);
  });
});

describe('a hold of 0 s with publishing', () => {
  const line = (file: string, at: string): string =>
    `${file}: ${at}: a hold of 0s leaves no time to publish (publish is set); expected a duration greater than 0, or "publish": null to only open the sockets`;

  it('--duration 0s with publishing: one line naming the flag, from validate and from run', async () => {
    const file = scenarios.write('zero-hold');
    expectLines(await wsload(['validate', file, '--duration', '0s']), [line(file, '--duration')]);
    expectLines(await wsload(['run', file, '--duration', '0s', '--quiet']), [line(file, '--duration')]);
  }, 30_000);

  it('"duration": "0s" in the file: one line at duration; without publishing it is a connect-only run and passes', async () => {
    const file = scenarios.write('zero-hold-file', { duration: '0s' });
    expectLines(await wsload(['validate', file]), [line(file, 'duration')]);
    const idle = await wsload(['validate', scenarios.write('zero-hold-idle', { duration: '0s', publish: null })]);
    expect(idle.code, idle.stderr).toBe(0);
  });
});
