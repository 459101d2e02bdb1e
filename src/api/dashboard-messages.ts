/** What the run's main thread and the dashboard's thread tell each other (plain data). */
import type { Progress } from '../run/run-options.js';
import type { ListenAddress } from '../net/listen-address.js';
import type { LiveScenario } from '../render/dashboard.js';
import type { DropEvent, Report, TimelineLine } from '../run/report.js';

/** The thread's workerData. */
export interface DashboardStart {
  address: ListenAddress;
  scenario: LiveScenario;
}

/** Main thread → dashboard: the run's samples as its hooks get them, then the report. */
export type ToDashboard =
  | { type: 'plan'; line: string }
  | { type: 'progress'; progress: Progress }
  | { type: 'interval'; line: TimelineLine }
  | { type: 'drop'; event: DropEvent }
  | { type: 'finish'; report: Report; fileName: string };

/** Dashboard → main thread: bound (the port), or why not; the final report handed to every page. */
export type FromDashboard =
  { type: 'listening'; port: number } | { type: 'failed'; code: string | null; why: string } | { type: 'finished' };
