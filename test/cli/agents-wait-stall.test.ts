/**
 * `wsload run --agents` stopped (SIGSTOP) while it waits for its agents and woken (SIGCONT) past
 * its --agent-wait: what its agents did meanwhile is in its sockets, unread, and its expired
 * timers run first (epoll_wait fails with EINTR at SIGCONT). It must read them before it judges:
 * an agent killed during the stop is gone ("none joined"), not "connected but silent", nor joined.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/cli.js';
import { AGENTS_SCENARIO, startAgent, startCoordinator } from '../helpers/agents.js';
import { scenarioFiles } from '../helpers/scenario-files.js';

const TOKEN = 'wait-stall-token-2c';
const files = scenarioFiles('agents-wait-stall', { ...AGENTS_SCENARIO, duration: '2s' });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(() => assertBuilt());

describe('the coordinator stopped past --agent-wait, then woken', () => {
  it('counts an agent killed during the stop as gone: "2 of 2 did not join (none joined)", exit 2', async () => {
    // Long enough for one agent to start and join on a loaded machine (a cold `wsload agent` takes seconds there).
    const c = await startCoordinator(
      files.write('killed'),
      2,
      ['--token', TOKEN, '--agent-wait', '20s', '--out', join(files.dir, 'killed.json')],
      {
        cwd: files.dir,
      },
    );
    // The deadline runs from the listening line, printed before startCoordinator resolved.
    const deadline = Date.now() + 20_000;
    const a = startAgent(`ws://127.0.0.1:${c.port}`, 'a', TOKEN);
    try {
      expect(await c.cli.waitForStderr(/agent a \(\S+\) joined \(1 of 2;/, 18_000), c.cli.stderr()).toBe(true);
      c.cli.kill('SIGSTOP');
      a.kill('SIGKILL');
      await a.exited;
      // Woken well past the deadline, and past the 2 s after which a joined agent not heard is not counted.
      await sleep(Math.max(0, deadline - Date.now()) + 3_000);
      c.cli.kill('SIGCONT');
      const r = await c.cli.exited;
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('wsload: --agent-wait 20s: 2 of 2 agents did not join (none joined)\n');
      expect(r.stderr).not.toContain('    at ');
    } finally {
      c.cli.kill('SIGCONT');
      c.cli.kill('SIGKILL');
      a.kill('SIGKILL');
    }
  }, 90_000);
});
