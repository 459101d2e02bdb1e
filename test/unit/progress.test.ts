import { describe, expect, it } from 'vitest';
import { formatProgress } from '../../src/render/progress.js';
import type { Progress } from '../../src/run/run-options.js';

const base: Progress = {
  phase: 'ramp',
  elapsedMs: 1500,
  open: 10,
  target: 100,
  failed: 0,
  published: 0,
  deliveriesPerSec: 0,
  p99Ms: null,
  lost: 0,
  closes: 0,
  lagMs: 2,
};

describe('formatProgress', () => {
  it('shows "–" for the fan-out p99 before the first delivery, not a 0 ms p99', () => {
    expect(formatProgress(base)).toContain('| p99 – |');
    expect(formatProgress(base)).not.toMatch(/p99 0\.0ms/);
  });

  it('a server stream: its messages per second and staleness p99 instead of publishes and fan-out', () => {
    const line = formatProgress({ ...base, phase: 'hold', deliveriesPerSec: 512.4, stalenessP99Ms: 3.21 });
    expect(line).toBe('[1.5s] hold | sockets 10/100 | messages 512/s | staleness p99 3.2ms | errors 0 | closes 0 | lag 2ms');
    expect(formatProgress({ ...base, stalenessP99Ms: null })).toContain('| staleness p99 – |');
  });

  it('shows the p99 once there are deliveries', () => {
    expect(formatProgress({ ...base, phase: 'hold', p99Ms: 12.34 })).toContain('| p99 12.3ms |');
  });
});
