/**
 * Phase 1, start the target: the embedded target in its child process (raced against the
 * interrupt, so a stop while it starts is honoured at once), sized to as many processes as the
 * open-file limit needs for the run's sockets, then the plan the run follows against it, told
 * through onPlan.
 */
import { readMachineLimits } from '../../machine-limits.js';
import { newRunTag, runTagOf } from '../../run/publish-url.js';
import { publishMethodOf } from '../../run/publish-methods/table.js';
import { startEmbeddedTarget, type EmbeddedTarget } from '../../target/embedded.js';
import { socketsPerTargetProcess, targetProcessesFor } from '../../target/process-count.js';
import { describePlan, planWorkers, type WorkerPlan } from '../plan.js';
import type { RunState } from '../run-state.js';

/** The report's target URL when an interrupt came before the embedded target listened. */
const NOT_STARTED_URL = 'ws://127.0.0.1/ws (embedded target not started: interrupted)';

/** The target and the plan against it. */
export interface TargetPlan {
  url: string;
  /** The embedded target, once it listens; null for a URL target or when interrupted first. */
  embedded: EmbeddedTarget | null;
  /** The publish URL template, or null without publishing. */
  publishUrl: string | null;
  /** This run's tag, as the publisher puts it into values. */
  runTag: string;
  /** The tag pushed values carry, or null when the publish template carries none. */
  valueTag: string | null;
  plans: WorkerPlan[];
}

/** Starts the embedded target if the scenario asks for one and tells the plan. */
export async function startTarget(state: RunState): Promise<TargetPlan> {
  const { scenario, options } = state;
  let embedded: EmbeddedTarget | null = null;
  let url: string;
  let processes = 1;
  if (scenario.target.kind === 'embedded') {
    // The child inherits this process's open-file limit, and so do its workers.
    processes = targetProcessesFor(scenario.connections, readMachineLimits().openFiles);
    if (!state.interrupted()) {
      // It accepts permessage-deflate when the scenario offers it, so an embedded run measures it.
      state.embedded = startEmbeddedTarget({ host: '127.0.0.1', processes, perMessageDeflate: scenario.perMessageDeflate !== undefined });
      embedded = await Promise.race([state.embedded, state.aborted.then(() => null)]);
    }
    url = embedded?.wsUrl ?? NOT_STARTED_URL;
  } else {
    url = scenario.target.url;
  }
  // Where publishes go (the publish URL, the publisher socket's URL); null when wsload sends none.
  const method = publishMethodOf(scenario);
  const publishUrl = method?.destination(url) ?? null;
  // Tells this run's pushes from those of any other run against the same target.
  const runTag = newRunTag();
  const valueTag = method && publishUrl ? runTagOf(method.templateText(publishUrl), runTag) : null;
  const plans = planWorkers(scenario);
  // Interrupted before the target listened: there is no plan to tell.
  if (url !== NOT_STARTED_URL)
    options.onPlan?.(describePlan(scenario, publishUrl, plans.length, valueTag) + targetProcessesNote(processes));
  return { url, embedded, publishUrl, runTag, valueTag, plans };
}

/** The plan's note on a target spread over processes; nothing for the usual single process. */
function targetProcessesNote(processes: number): string {
  if (processes <= 1) return '';
  const each = socketsPerTargetProcess(readMachineLimits().openFiles);
  return `, embedded target on ${processes} processes (open-file limit: ${each ?? '?'} sockets each)`;
}
