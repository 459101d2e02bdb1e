/**
 * The one rule for tests that need a real part of the machine (a gateway, a browser, Prometheus, a
 * broker, a tmpfs): in CI (`CI` set) a missing part fails the test file with the part's name, so a
 * green CI run never hides a skipped gateway test; outside CI the tests that need it are skipped and
 * one line on stderr names what is missing and how to install it. `test/unit/real-parts-rule.test.ts`
 * checks that no test file decides a skip about these parts on its own.
 */
import { accessSync, constants as fsConstants } from 'node:fs';
import { delimiter, join } from 'node:path';

const SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

/** Real parts the suite runs, with the Debian package that brings each. */
export const REAL_PARTS = {
  nginx: { binary: 'nginx', install: 'apt-get install -y nginx' },
  haproxy: { binary: 'haproxy', install: 'apt-get install -y haproxy' },
  chromium: { binary: 'chromium', install: 'apt-get install -y chromium' },
  prometheus: { binary: 'prometheus', install: 'apt-get install -y prometheus' },
  openssl: { binary: 'openssl', install: 'apt-get install -y openssl' },
  rabbitmq: { binary: 'rabbitmq-server', install: 'apt-get install -y rabbitmq-server' },
  // kustomize is built into kubectl; Debian 12 has no kubectl package (the machine image of this
  // project brings one): any kubectl >= 1.14, or a standalone kustomize wrapped as kubectl.
  kubectl: { binary: 'kubectl', install: 'a kubectl of 1.14 or later on PATH; Debian 12 has no package for it' },
} as const;
export type RealPart = keyof typeof REAL_PARTS;

/** Absolute path of an executable found on PATH or in the sbin directories, or undefined. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SBIN_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** True in CI, where nothing the suite needs may be skipped. */
export function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

const announced = new Set<string>();

/**
 * Decides a skip for something other than a binary (a tmpfs mount, a kernel feature): `problem` is
 * null when the part is usable. In CI a problem throws (the file fails, naming it); outside CI it
 * returns true (skip) after one line on stderr.
 */
export function missingPart(what: string, problem: string | null): boolean {
  if (problem === null) return false;
  if (inCi()) throw new Error(`missing real part: ${what}: ${problem} (CI is set: a part the tests need may not be skipped)`);
  const line = `skipping the tests that need ${what}: ${problem}\n`;
  if (!announced.has(line)) {
    announced.add(line);
    process.stderr.write(line);
  }
  return true;
}

/**
 * For `describe.skipIf` / `it.skipIf`: true (skip) when any of the parts is missing outside CI;
 * throws in CI naming the missing parts.
 */
export function missing(...parts: RealPart[]): boolean {
  const absent = parts.filter((p) => findBinary(REAL_PARTS[p].binary) === undefined);
  if (absent.length === 0) return false;
  const how = absent.map((p) => `${p} (${REAL_PARTS[p].install}, as root)`).join(', ');
  return missingPart(absent.join(' and '), `not found on PATH or in /usr/sbin; install ${how}`);
}

/** Path of a real part's binary; throws naming the package when it is absent (use after `missing`). */
export function partPath(part: RealPart): string {
  const path = findBinary(REAL_PARTS[part].binary);
  if (path === undefined)
    throw new Error(`${part} not found on PATH or in /usr/sbin; install it with ${REAL_PARTS[part].install} (as root)`);
  return path;
}
