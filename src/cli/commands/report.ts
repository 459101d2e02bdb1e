import type { Command } from 'commander';
import { useColor } from '../color.js';
import { checkOutputPath, writeOutputFile } from '../../report/output-path.js';
import type { Report } from '../../run/report.js';

interface ReportFlags {
  html?: string;
  hgrm?: string;
  junit?: string;
  color?: boolean;
}

/** Registers `wsload report RUN.json`: re-renders a finished run as a table, HTML or .hgrm. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      're-render a finished run: summary table, or instead a self-contained HTML (--html), JUnit XML (--junit) or HdrHistogram .hgrm text (--hgrm)',
    )
    .argument('<run>', 'report JSON written by wsload run')
    .option('--html <file>', 'write a self-contained HTML report (tables and inline SVG charts) to FILE')
    .option(
      '--hgrm <name>',
      'print histogram NAME (fanout, completion, handshake, publish, idleAtClose, ageAtClose, …) as HdrHistogram percentile distribution, ms',
    )
    .option('--junit <file>', "also write JUnit XML for CI: one test case per threshold and one for the run's own failures")
    .action(async (file: string, flags: ReportFlags) => {
      // Loaded when the command runs, not when wsload starts: `wsload run` never pays for this code (issue 22, RSS).
      const [{ readReport, timelinePath }, { renderHgrm }, { renderSummary }] = await Promise.all([
        import('../../report/read.js'),
        import('../../render/hgrm.js'),
        import('../../render/summary.js'),
      ]);
      const report = await readReport(file);
      if (flags.junit !== undefined) {
        const timeline = timelinePath(file, report);
        checkOutputPath('--junit', flags.junit, [
          { path: file, role: 'the report read' },
          ...(timeline ? [{ path: timeline, role: 'its timeline' }] : []),
          ...(flags.html !== undefined ? [{ path: flags.html, role: 'the --html output' }] : []),
        ]);
      }
      if (flags.html !== undefined) {
        const timeline = timelinePath(file, report);
        checkOutputPath('--html', flags.html, [
          { path: file, role: 'the report read' },
          ...(timeline ? [{ path: timeline, role: 'its timeline' }] : []),
        ]);
      }
      if (flags.hgrm !== undefined) {
        // Render before writing anything so an unknown name fails cleanly.
        const text = renderHgrm(report, flags.hgrm);
        if (flags.html !== undefined) await writeHtml(file, flags.html, report);
        if (flags.junit !== undefined) await writeJunitOf(file, flags.junit, report);
        process.stdout.write(text);
        return;
      }
      if (flags.html !== undefined) await writeHtml(file, flags.html, report);
      if (flags.junit !== undefined) await writeJunitOf(file, flags.junit, report);
      // Asked for files, the user gets them and one line each; the table is what `report` alone prints.
      if (flags.html !== undefined || flags.junit !== undefined) return;
      const color = useColor(flags);
      process.stdout.write(renderSummary(report, { color }));
    });
}

async function writeHtml(reportFile: string, htmlFile: string, report: Report): Promise<void> {
  const [{ readTimeline }, { renderReportHtml }] = await Promise.all([import('../../report/read.js'), import('../../render/html.js')]);
  const timeline = await readTimeline(reportFile, report);
  writeOutputFile('--html', htmlFile, renderReportHtml(report, { timeline }));
  process.stderr.write(`wrote ${htmlFile}${timeline ? '' : ' (no timeline beside the report)'}\n`);
}

async function writeJunitOf(reportFile: string, junitFile: string, report: Report): Promise<void> {
  const { renderRunJunit } = await import('../../render/junit.js');
  writeOutputFile('--junit', junitFile, renderRunJunit(report, { reportPath: reportFile }));
  process.stderr.write(`wrote ${junitFile}\n`);
}
