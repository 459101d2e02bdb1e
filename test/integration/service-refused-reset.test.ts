/**
 * A client that resets its connection right after a refused upgrade (a load tool stopped mid-ramp,
 * a gateway timing out) must not crash `wsload serve --service`: the refused socket is the
 * server's to close, and an error on it is the client's business, not a fatal one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startServiceTarget, type ServiceTarget } from '../helpers/service-target.js';
import { upgradeThenReset } from '../helpers/raw-upgrade.js';

let target: ServiceTarget | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

describe('wsload serve --service, a refused upgrade', () => {
  it('survives clients that reset the connection after the 401, and keeps serving', async () => {
    target = await startServiceTarget({ tokens: ['a'] });
    const port = Number(new URL(target.wsUrl).port);
    const errors: unknown[] = [];
    const onError = (err: unknown): void => void errors.push(err);
    process.on('uncaughtException', onError);
    try {
      for (let round = 0; round < 4; round++)
        await Promise.all(Array.from({ length: 25 }, (_, i) => upgradeThenReset(port, '/ws?token=nope', i % 3)));
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(errors).toEqual([]);
    expect(target.refused()).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${port}/admin/stats`);
    expect(res.status).toBe(200);
  });
});
