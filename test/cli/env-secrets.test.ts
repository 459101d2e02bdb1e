/**
 * `{env.NAME}` in scenario strings (issue 23 item 5): a real run against the push service on
 * loopback, its socket token, upgrade header, open message, publish token, publish body and
 * identities directory all taken from the environment. The run works only if every value was
 * filled in (the service refuses a wrong token), and no value appears in any output: stdout,
 * stderr, the report, its timeline and histogram log, JUnit, the HTML report, or a Prometheus
 * scrape during the run. An unset variable is refused before the run, naming it and the path.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startWsload, wsload } from '../helpers/cli.js';
import { tempDir } from '../helpers/run-helpers.js';
import { startServiceTarget, type ServiceTarget } from '../helpers/service-target.js';
import { expectDeliveredExactly, expectExactBooks } from '../helpers/books.js';
import type { Report } from '../../dist/run/report.js';
import { ENV_KEYS } from '../../src/run/env-refs.js';

const SOCKETS = 20;
/** A distinct random part per secret: what is searched for in every output. */
const mark = (): string => randomBytes(8).toString('hex');
const secrets = {
  WSL_SOCKET_TOKEN: `sock-${mark()}`,
  WSL_UPGRADE_HEADER: `hdr-${mark()}`,
  // A quote in a JSON open message must be escaped when filled in, or the message breaks.
  WSL_OPEN_SECRET: `op"en-${mark()}`,
  WSL_PUBLISH_TOKEN: `pub-${mark()}`,
  WSL_BODY_SECRET: `body-${mark()}`,
};

let service: ServiceTarget | null = null;
afterAll(async () => {
  await service?.close();
});

function scenario(dir: string, url: string, publishUrl: string): string {
  const file = join(dir, 'secret.scenario.json');
  writeFileSync(
    file,
    JSON.stringify({
      name: 'env-secrets',
      target: {
        url: `${url}?token={env.WSL_SOCKET_TOKEN}`,
        headers: { 'X-Upgrade-Secret': '{env.WSL_UPGRADE_HEADER}' },
        open: [
          {
            send: { type: 'subscribe', topic: 'news', user: '{identity.user}', auth: '{env.WSL_OPEN_SECRET}' },
            ack: { pointer: '/type', equals: 'subscribed' },
            timeout: '5s',
          },
        ],
      },
      identities: { file: '{env.WSL_IDS_DIR}/users.csv' },
      connections: SOCKETS,
      connectRate: 200,
      workers: 2,
      duration: '3s',
      report: { interval: '1s' },
      publish: {
        rate: 5,
        url: publishUrl,
        headers: { Authorization: 'Bearer {env.WSL_PUBLISH_TOKEN}' },
        body: { topic: 'news', value: '{value}', note: '{env.WSL_BODY_SECRET}' },
        match: { sequence: '/data/value' },
      },
      thresholds: { 'fanout.lost': '== 0', 'connections.failed': '== 0' },
    }),
  );
  return file;
}

describe('{env.NAME} in scenario strings', () => {
  it('fills every reference in what goes to the target, and no output carries a value', async () => {
    await service?.close(); // a retry's: the first try's service is closed, not left listening
    service = await startServiceTarget({ tokens: [secrets.WSL_SOCKET_TOKEN], publishToken: secrets.WSL_PUBLISH_TOKEN });
    const dir = tempDir('wsload-env-');
    const ids = join(dir, 'ids');
    mkdirSync(ids);
    writeFileSync(join(ids, 'users.csv'), `user\n${Array.from({ length: SOCKETS }, (_, i) => `u${i}`).join('\n')}\n`);
    const file = scenario(dir, service.wsUrl, service.publishUrl);
    const out = join(dir, 'run.json');
    const junit = join(dir, 'run.xml');
    const env = { ...secrets, WSL_IDS_DIR: ids };
    const cli = startWsload(['run', file, '--out', out, '--junit', junit, '--metrics', '127.0.0.1:0'], { env, timeoutMs: 60_000 });
    // A scrape during the run: the run's labels name the target as written.
    expect(await cli.waitForStderr(/ identities\n/, 30_000), cli.stderr()).toBe(true);
    const metricsUrl = /wsload: metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)\n/.exec(cli.stderr())?.[1] ?? '';
    expect(metricsUrl).not.toBe('');
    const scrape = await (await fetch(metricsUrl)).text();
    const done = await cli.exited;
    expect(done.code, done.stderr).toBe(0);

    // Filled in: the service took the socket token and the publish token, and got the open message whole.
    expect(service.tokensSeen()).toEqual(Array.from({ length: SOCKETS }, () => secrets.WSL_SOCKET_TOKEN));
    expect(service.refused()).toBe(0);
    const opened = service.received().map((msgs) => JSON.parse(msgs[0]) as { auth: string; user: string });
    expect(opened.map((m) => m.auth)).toEqual(Array.from({ length: SOCKETS }, () => secrets.WSL_OPEN_SECRET));
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expectExactBooks(report);
    expectDeliveredExactly(report, SOCKETS);

    // Kept as written: the report names the templates.
    expect(report.target.url).toBe(`${service.wsUrl}?token={env.WSL_SOCKET_TOKEN}`);
    expect(report.scenario.identities?.file).toBe('{env.WSL_IDS_DIR}/users.csv');
    expect(JSON.stringify(report)).toContain('Bearer {env.WSL_PUBLISH_TOKEN}');
    expect(scrape).toContain('{env.WSL_SOCKET_TOKEN}');

    const html = join(dir, 'run.html');
    expect((await wsload(['report', out, '--html', html])).code).toBe(0);
    const outputs: Record<string, string> = { stdout: done.stdout, stderr: done.stderr, scrape };
    for (const name of readdirSync(dir))
      if (/\.(json|ndjson|hlog|xml|html)$/.test(name) && !name.endsWith('.scenario.json'))
        outputs[name] = readFileSync(join(dir, name), 'utf8');
    // Every file the run wrote is searched: report, timeline, histogram log, JUnit, HTML.
    expect(Object.keys(outputs).sort()).toEqual([
      'run.hlog',
      'run.html',
      'run.json',
      'run.ndjson',
      'run.xml',
      'scrape',
      'stderr',
      'stdout',
    ]);
    for (const [name, text] of Object.entries(outputs)) {
      for (const [variable, value] of Object.entries(secrets)) {
        const random = value.slice(value.lastIndexOf('-') + 1);
        expect(text.includes(random), `${name} holds the value of ${variable}`).toBe(false);
      }
      expect(text.includes(ids), `${name} holds the value of WSL_IDS_DIR`).toBe(false);
    }
  });

  it('refuses an unset variable before the run: one line per reference naming it and the JSON path, exit 2', async () => {
    const dir = tempDir('wsload-env-unset-');
    const file = join(dir, 'unset.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'unset',
        target: { url: 'ws://{env.WSL_NO_SUCH_HOST}/ws', headers: { Authorization: 'Bearer {env.WSL_NO_SUCH_TOKEN}' } },
        connections: 1,
        duration: '1s',
        publish: { rate: 1, url: 'http://127.0.0.1:1/api?id={id}&value={value}', ids: ['{env.WSL_NO_SUCH_TOKEN}'] },
      }),
    );
    const r = await wsload(['run', file, '--quiet'], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `wsload: ${file}: target.url: environment variable WSL_NO_SUCH_HOST is not set (or empty); expected it exported before wsload runs ({env.WSL_NO_SUCH_HOST})`,
      `wsload: ${file}: target.headers.Authorization: environment variable WSL_NO_SUCH_TOKEN is not set (or empty); expected it exported before wsload runs ({env.WSL_NO_SUCH_TOKEN})`,
      `wsload: ${file}: publish.ids[0]: "{env.…}" is filled in only in ${ENV_KEYS.join(', ')}; expected the value written out here`,
    ]);
    expect(readdirSync(dir)).toEqual(['unset.json']);
  });
});
