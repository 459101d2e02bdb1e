import type { Reporter, TestCase, TestModule } from 'vitest/node';

/**
 * Names every test that failed and then passed on its retry (CI retries a serial test once: a load
 * test sharing two cores with its target, gateway and browser can lose a race its assertion did not
 * allow for). A retried pass is not hidden: it is listed at the end of the run, with how many tries
 * it took, so the race can be found and fixed; a test that fails twice still fails the run.
 */
export default class FlakyReporter implements Reporter {
  private readonly flaky: string[] = [];

  onTestCaseResult(testCase: TestCase): void {
    const d = testCase.diagnostic();
    if (!d?.flaky) return;
    // The failed try's error is kept by the runner: without it a race could not be found from the log.
    const first = testCase.result().errors?.[0];
    const why = first ? `\n      first try: ${first.message.split('\n')[0]}${first.stack ? ` ${stackLine(first.stack)}` : ''}` : '';
    this.flaky.push(`${testCase.module.moduleId} > ${testCase.fullName} (${d.retryCount + 1} tries)${why}`);
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>): void {
    if (this.flaky.length === 0) return;
    process.stdout.write(`\nFLAKY: ${this.flaky.length} test(s) passed only on a retry:\n`);
    for (const f of this.flaky) process.stdout.write(`  FLAKY ${f}\n`);
  }
}

/** The first stack frame in a test file, where the failed assertion sits. */
function stackLine(stack: string): string {
  return /\(?([^\s()]*\.test\.ts:\d+:\d+)\)?/.exec(stack)?.[1] ?? '';
}
