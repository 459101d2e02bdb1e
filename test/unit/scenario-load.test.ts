import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/errors.js';
import { parseOpenFilesLimit, parsePortRange, readMachineLimits } from '../../src/machine-limits.js';
import { loadScenario } from '../../src/scenario/load.js';

const dir = mkdtempSync(join(tmpdir(), 'wsload-scenario-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function loadError(file: string): Promise<ScenarioError> {
  const err = await loadScenario(file, { cpus: 2 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ScenarioError);
  return err as ScenarioError;
}

describe('loadScenario', () => {
  it('loads a valid file', async () => {
    const file = write('ok.json', JSON.stringify({ name: 'ok', connections: 5, duration: '1s' }));
    const s = await loadScenario(file, { cpus: 2 });
    expect([s.name, s.connections, s.durationMs, s.workers]).toEqual(['ok', 5, 1000, 2]);
  });

  it('names the file and the line and column of a JSON syntax error', async () => {
    const file = write('syntax.json', '{\n  "name": "x",\n  "connections": 5\n  "duration": "1s"\n}\n');
    const err = await loadError(file);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0].message).toMatch(/^invalid JSON at line 4, column 3/);
    expect(err.message.startsWith(`${file}: invalid JSON at line 4`)).toBe(true);
    expect(err.exitCode).toBe(2);
  });

  it('reports a missing file as one issue naming it', async () => {
    const file = join(dir, 'absent.json');
    const err = await loadError(file);
    expect(err.message).toBe(`${file}: cannot read the scenario file (no such file)`);
  });

  it('lists every issue in the error message, one per line, each with file and path', async () => {
    const file = write('bad.json', JSON.stringify({ name: 'bad', connections: 0, duration: 'soon', publish: { rat: 1 } }));
    const err = await loadError(file);
    expect(err.message.split('\n')).toEqual([
      `${file}: connections: expected an integer ≥ 1, got 0`,
      `${file}: duration: expected a duration like "500ms", "30s", "10m" or "1h30m", got "soon"`,
      `${file}: publish.rat: unknown key (did you mean "rate"?)`,
    ]);
  });

  it('resolves TLS files relative to the scenario file and checks that they exist and parse', async () => {
    mkdirSync(join(dir, 'certs'), { recursive: true });
    writeFileSync(join(dir, 'certs', 'ca.pem'), 'not really a PEM');
    const file = write(
      'tls.json',
      JSON.stringify({
        name: 'tls',
        connections: 1,
        duration: '1s',
        target: { url: 'wss://a.example:8443/ws' },
        tls: { ca: 'certs/ca.pem', cert: 'certs/client.pem', key: 'certs/client-key.pem' },
      }),
    );
    const err = await loadError(file);
    expect(err.issues.map((i) => i.path)).toEqual(['tls.ca', 'tls.cert', 'tls.key']);
    expect(err.issues[0].message).toBe(
      `no certificate in ${join(dir, 'certs', 'ca.pem')}; expected a PEM bundle of "-----BEGIN CERTIFICATE-----" blocks`,
    );
    expect(err.issues[1].message).toContain(join(dir, 'certs', 'client.pem'));
    const s = await loadScenario(file, { cpus: 1, checkFiles: false });
    expect(s.tls).toMatchObject({ ca: join(dir, 'certs', 'ca.pem'), cert: join(dir, 'certs', 'client.pem') });
  });

  it('applies overrides and machine limits', async () => {
    const file = write('limits.json', JSON.stringify({ name: 'l', connections: 5, duration: '1s' }));
    const err = await loadScenario(file, {
      overrides: { connections: '30000', shards: '1' },
      limits: { openFiles: 20_000, ephemeralPorts: 28_232 },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as ScenarioError).issues.map((i) => i.path)).toEqual(['--connections', '--shards']);
  });
});

describe('machine limits', () => {
  it('reads the soft open-files limit from /proc limits text', () => {
    const text =
      'Limit                     Soft Limit           Hard Limit           Units\nMax open files            20000                40000                files\n';
    expect(parseOpenFilesLimit(text)).toBe(20_000);
    expect(parseOpenFilesLimit('Max open files            unlimited            unlimited            files\n')).toBeNull();
    expect(parseOpenFilesLimit('')).toBeNull();
  });

  it('sizes the ephemeral port range', () => {
    expect(parsePortRange('32768\t60999\n')).toBe(28_232);
    expect(parsePortRange('garbage')).toBeNull();
  });

  it('reads this machine (Linux) or gives nulls', () => {
    const limits = readMachineLimits();
    for (const v of [limits.openFiles, limits.ephemeralPorts]) expect(v === null || (Number.isInteger(v) && v > 0)).toBe(true);
  });
});
