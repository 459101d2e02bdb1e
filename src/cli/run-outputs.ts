/**
 * The files one `wsload run` writes: the report(s) (numbered with --repeat) and the JUnit file(s),
 * each checked before anything starts: a run must not end in a file it cannot write, or in its own
 * scenario, TLS or identities files.
 */
import { checkOutputPath, checkRunOutputs, type NamedInput } from '../report/output-path.js';
import { defaultReportPath, sidecarPaths } from '../report/write.js';
import type { Scenario, TlsOptions } from '../run/scenario.js';

/** The report file of each run, and its JUnit file (null: no --junit). */
export interface RunOutputs {
  reportFiles: string[];
  junitFiles: string[] | null;
}

/** The files of `repeat` runs (null: one, unnumbered) of the scenario in `scenarioFile`, checked. */
export function runOutputs(
  scenarioFile: string,
  scenario: Scenario,
  flags: { out?: string; junit?: string },
  repeat: number | null,
): RunOutputs {
  const baseReport = flags.out ?? defaultReportPath(scenario.name, new Date());
  const reportFiles = repeat === null ? [baseReport] : Array.from({ length: repeat }, (_, i) => numbered(baseReport, i + 1));
  const junit = flags.junit;
  const junitFiles = junit === undefined ? null : repeat === null ? [junit] : reportFiles.map((_, i) => numbered(junit, i + 1));
  const identitiesFile = scenario.identities?.file ?? null;
  reportFiles.forEach((reportFile, i) => {
    checkRunOutputs(flags.out !== undefined ? '--out' : '--out (default)', reportFile, scenarioFile, scenario.tls, identitiesFile);
    if (junitFiles) checkJunitOutput(junitFiles[i], reportFile, scenarioFile, scenario.tls, identitiesFile);
  });
  return { reportFiles, junitFiles };
}

/** "reports/x.json" → "reports/x-3.json" (the number before the extension, or at the end). */
export function numbered(path: string, i: number): string {
  const m = /^(.*?)(\.[A-Za-z0-9]+)?$/.exec(path) as RegExpExecArray;
  const dot = m[2] !== undefined && !m[1].endsWith('/') ? m[2] : '';
  const stem = dot ? m[1] : path;
  return `${stem}-${i}${dot}`;
}

/** `--junit` must not land on the run's own report, its soak files or its inputs. */
function checkJunitOutput(
  junit: string,
  reportFile: string,
  scenarioFile: string,
  tls: Pick<TlsOptions, 'ca' | 'cert' | 'key'>,
  identitiesFile: string | null,
): void {
  const sidecars = sidecarPaths(reportFile);
  const inputs: NamedInput[] = [
    { path: scenarioFile, role: 'the scenario file' },
    { path: reportFile, role: "the run's report (--out)" },
    { path: sidecars.timeline, role: "the run's timeline" },
    { path: sidecars.hlog, role: "the run's histogram log" },
  ];
  for (const f of [tls.ca, tls.cert, tls.key]) if (f) inputs.push({ path: f, role: 'a TLS file of the scenario' });
  if (identitiesFile) inputs.push({ path: identitiesFile, role: "the scenario's identities file" });
  checkOutputPath('--junit', junit, inputs);
}
