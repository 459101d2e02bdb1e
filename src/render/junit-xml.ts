/**
 * JUnit XML as CI systems read it (Jenkins, GitLab, GitHub test reporters): one `<testsuites>`
 * with one `<testsuite>`, its properties and test cases. Pure strings; src/cli writes the file.
 */

/** What a failed, errored or skipped test case says. */
export interface JunitOutcome {
  /** One line, shown by CI next to the test's name. */
  message: string;
  /** A short category ("threshold", "run-failures", "interrupted"). */
  type: string;
  /** Free text, shown when the test is opened. */
  details: string;
}

/** One test case. At most one of failure, error and skipped is set; none means it passed. */
export interface JunitCase {
  classname: string;
  name: string;
  /** Seconds. */
  timeSec: number;
  failure?: JunitOutcome;
  /** The test could not complete (an interrupted run), as opposed to a failed check. */
  error?: JunitOutcome;
  /** Not judged; the message says why. */
  skipped?: string;
  systemOut?: string;
}

/** One test suite: the run (or comparison) as a whole. */
export interface JunitSuite {
  name: string;
  /** ISO wall-clock time it started; written without fraction or zone, as the JUnit schema asks (UTC). */
  startedAt: string;
  hostname: string;
  /** Seconds. */
  timeSec: number;
  properties: readonly (readonly [string, string])[];
  cases: readonly JunitCase[];
}

// XML 1.0 allows tab, LF, CR and these ranges only; anything else (NUL, ESC, a lone surrogate)
// makes the whole file unreadable to a CI parser, so it becomes U+FFFD.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text content escaped for XML: &, <, > and characters XML cannot carry. */
export function escapeXmlText(s: string): string {
  return s.replace(NOT_XML_CHAR, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value escaped for XML; newlines and tabs as character references, since parsers turn literal ones into spaces. */
export function escapeXmlAttr(s: string): string {
  return escapeXmlText(s)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

function attrs(pairs: readonly (readonly [string, string | number])[]): string {
  return pairs.map(([k, v]) => ` ${k}="${escapeXmlAttr(String(v))}"`).join('');
}

/** Seconds with millisecond precision; 0 for anything not finite. */
export function seconds(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) / 1000 : 0;
}

/** "2026-11-26T14:30:18.123Z" → "2026-11-26T14:30:18" (the schema's xs:dateTime without zone); unparseable stays as given. */
function junitTimestamp(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toISOString().slice(0, 19);
}

function outcome(tag: 'failure' | 'error', o: JunitOutcome): string {
  return `      <${tag}${attrs([
    ['message', o.message],
    ['type', o.type],
  ])}>${escapeXmlText(o.details)}</${tag}>\n`;
}

function testcase(c: JunitCase): string {
  let body = '';
  if (c.failure) body += outcome('failure', c.failure);
  if (c.error) body += outcome('error', c.error);
  if (c.skipped !== undefined) body += `      <skipped${attrs([['message', c.skipped]])}/>\n`;
  if (c.systemOut !== undefined) body += `      <system-out>${escapeXmlText(c.systemOut)}</system-out>\n`;
  const open = `    <testcase${attrs([
    ['classname', c.classname],
    ['name', c.name],
    ['time', c.timeSec],
  ])}`;
  return body === '' ? `${open}/>\n` : `${open}>\n${body}    </testcase>\n`;
}

/** The suite as a JUnit XML document, counts derived from its cases. */
export function renderJunitSuite(s: JunitSuite): string {
  const tests = s.cases.length;
  const failures = s.cases.filter((c) => c.failure).length;
  const errors = s.cases.filter((c) => c.error).length;
  const skipped = s.cases.filter((c) => c.skipped !== undefined).length;
  const counts: [string, number][] = [
    ['tests', tests],
    ['failures', failures],
    ['errors', errors],
    ['skipped', skipped],
    ['time', s.timeSec],
  ];
  const props = s.properties
    .map(
      ([name, value]) =>
        `      <property${attrs([
          ['name', name],
          ['value', value],
        ])}/>\n`,
    )
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites${attrs([['name', 'wsload'], ...counts])}>\n` +
    `  <testsuite${attrs([['name', s.name], ...counts, ['timestamp', junitTimestamp(s.startedAt)], ['hostname', s.hostname]])}>\n` +
    `    <properties>\n${props}    </properties>\n` +
    s.cases.map(testcase).join('') +
    '  </testsuite>\n' +
    '</testsuites>\n'
  );
}
