/**
 * Whichever way a run ends, what it started is stopped: an exception thrown after the embedded
 * target came up must not leave the target (and its pipes, which keep the process alive) behind.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../dist/driver/driver.js';
import { scenarioFrom } from '../helpers/run-helpers.js';

/** Embedded-target child processes of this process (any thread may have forked them). */
function embeddedChildren(): number[] {
  const out: number[] = [];
  for (const task of readdirSync(`/proc/${process.pid}/task`)) {
    let kids: number[] = [];
    try {
      kids = readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
    } catch {
      continue;
    }
    for (const pid of kids) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('target/child.js')) out.push(pid);
      } catch {
        // gone already
      }
    }
  }
  return out;
}

describe('runScenario cleanup', () => {
  it('stops the embedded target when the run throws after it started', async () => {
    const scenario = scenarioFrom({ target: 'embedded', connections: 2, duration: '5s', workers: 1 });
    const before = embeddedChildren();
    let seen: number[] = [];
    const run = runScenario(scenario, {
      reportFile: null,
      onPlan: () => {
        seen = embeddedChildren().filter((p) => !before.includes(p));
        throw new Error('boom after the target started');
      },
    });
    await expect(run).rejects.toThrow('boom after the target started');
    expect(seen).toHaveLength(1);
    expect(embeddedChildren()).not.toContain(seen[0]);
  });
});
