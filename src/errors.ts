/** Exit codes, documented in the README. Library code throws; only src/cli/main.ts exits. */
export const EXIT = {
  ok: 0,
  /** The run completed but connections failed, deliveries were lost, or a regression was found. */
  failures: 1,
  /** Bad input: scenario, flag, report file, unreachable embedded target. */
  badInput: 2,
  /** The run completed and at least one threshold failed. */
  thresholds: 3,
  /** `compare --fail-on-regression`: no gated row is worse, but some could not be judged. */
  undecided: 4,
  /** The run completed but not one socket ever connected (target down, every upgrade refused): nothing else was measured. */
  noConnection: 5,
  /** A bug in wsload. */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** One problem found in a scenario, located by its JSON path ("publish.rate", "cohorts[1].share"). */
export interface Issue {
  path: string;
  message: string;
}

/** Base class: every error wsload expects carries a stable code and the exit code it maps to. */
export class WsloadError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  constructor(message: string, code: string, exitCode: ExitCode) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** A scenario file that cannot be run; holds every issue found, not only the first. */
export class ScenarioError extends WsloadError {
  readonly issues: Issue[];
  readonly file: string | undefined;
  constructor(issues: Issue[], file?: string) {
    const where = file ? `${file}: ` : '';
    super(issues.map((i) => `${where}${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n'), 'WSLOAD_ERR_SCENARIO', EXIT.badInput);
    this.issues = issues;
    this.file = file;
  }
}

/** A bad command-line flag or argument. */
export class UsageError extends WsloadError {
  constructor(message: string) {
    super(message, 'WSLOAD_ERR_USAGE', EXIT.badInput);
  }
}

/** A report file that is missing, not JSON, or of a format this version cannot read. */
export class ReportFormatError extends WsloadError {
  constructor(message: string) {
    super(message, 'WSLOAD_ERR_REPORT_FORMAT', EXIT.badInput);
  }
}

/** The target could not be started or reached before the run (embedded target failed to listen). */
export class TargetError extends WsloadError {
  constructor(message: string) {
    super(message, 'WSLOAD_ERR_TARGET', EXIT.badInput);
  }
}

/** A broken invariant inside wsload: printed with a request to file a bug. */
export class InternalError extends WsloadError {
  constructor(message: string) {
    super(message, 'WSLOAD_ERR_INTERNAL', EXIT.internal);
  }
}

/**
 * A coordinated run or an agent that cannot go on: agents missing after --agent-wait, an agent
 * refused (exit 2), or an agent that could not reach or lost its coordinator (exit 1).
 */
export class CoordinationError extends WsloadError {
  constructor(message: string, exitCode: ExitCode = EXIT.badInput) {
    super(message, 'WSLOAD_ERR_COORDINATION', exitCode);
  }
}
