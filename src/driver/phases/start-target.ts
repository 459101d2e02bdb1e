/**
 * Phase 1, start the target: the embedded target in its child process (raced against the
 * interrupt, so a stop while it starts is honoured at once), then the plan the run follows against
 * it, told through onPlan.
 */
import { defaultPublishTemplate, newRunTag, runTagOf } from '../../run/publish-url.js';
import { startEmbeddedTarget, type EmbeddedTarget } from '../../target/embedded.js';
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
  if (scenario.target.kind === 'embedded') {
    if (!state.interrupted()) {
      state.embedded = startEmbeddedTarget({ host: '127.0.0.1' });
      embedded = await Promise.race([state.embedded, state.aborted.then(() => null)]);
    }
    url = embedded?.wsUrl ?? NOT_STARTED_URL;
  } else {
    url = scenario.target.url;
  }
  const publishUrl = scenario.publish ? (scenario.publish.url ?? defaultPublishTemplate(url)) : null;
  // Tells this run's pushes from those of any other run against the same target.
  const runTag = newRunTag();
  const valueTag = publishUrl ? runTagOf(publishUrl, runTag) : null;
  const plans = planWorkers(scenario);
  // Interrupted before the target listened: there is no plan to tell.
  if (url !== NOT_STARTED_URL) options.onPlan?.(describePlan(scenario, publishUrl, plans.length, valueTag));
  return { url, embedded, publishUrl, runTag, valueTag, plans };
}
