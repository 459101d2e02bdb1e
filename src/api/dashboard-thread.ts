/**
 * Entry of the dashboard's thread (api/dashboard.ts starts it): listens where it is told, then
 * takes the run's samples as messages and serves them (api/dashboard-server.ts). Drawing the
 * charts here keeps that work off the run's main thread, whose timers schedule the publishes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DashboardServer } from './dashboard-server.js';
import type { DashboardStart, FromDashboard, ToDashboard } from './dashboard-messages.js';

const port = parentPort;
if (port === null) throw new Error('dashboard-thread.js runs as a worker thread');
const post = (m: FromDashboard): void => port.postMessage(m);

const start = workerData as DashboardStart;
const server = await DashboardServer.listen(start.address, start.scenario);
if (!(server instanceof DashboardServer)) {
  post({ type: 'failed', ...server });
} else {
  post({ type: 'listening', port: server.port });
  port.on('message', (m: ToDashboard) => {
    switch (m.type) {
      case 'plan':
        return server.plan(m.line);
      case 'progress':
        return server.progress(m.progress);
      case 'interval':
        return server.interval(m.line);
      case 'drop':
        return server.dropEvent(m.event);
      case 'finish':
        void server.finish(m.report, m.fileName).then(() => post({ type: 'finished' }));
        return;
    }
  });
}
