/** Waiting in tests, written once: sleep, poll until a condition holds, a free loopback port. */
import { createServer } from 'node:net';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls cond every everyMs until it holds or limitMs has passed; returns its last answer. */
export async function until(cond: () => boolean | Promise<boolean>, limitMs: number, everyMs = 25): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (await cond()) return true;
    await sleep(everyMs);
  }
  return cond();
}

/** Polls like until, and throws when cond still does not hold after limitMs. */
export async function waitFor(cond: () => boolean | Promise<boolean>, limitMs: number, what = 'condition'): Promise<void> {
  if (!(await until(cond, limitMs, 20))) throw new Error(`${what} not met within ${limitMs} ms`);
}

/** A port nobody listens on at this moment on `host` (the OS's pick; another process may take it later). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}
