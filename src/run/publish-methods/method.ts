/**
 * What one publish method declares about itself, below every layer that uses it: how it is
 * recognised in a normalized scenario, where its publishes go, its words in the plan line, in
 * `wsload validate` and in the summary, the templates its publishes fill, its failure reasons in
 * plain words and its `{env.NAME}` fill. One module per method implements it (http.ts,
 * websocket.ts, server.ts) and table.ts registers them. What needs a higher layer has its own
 * table there: the file keys' rules and normalization (scenario/publish-methods/) and the sender
 * (publisher/methods/).
 */
import { fillEnv } from '../env-refs.js';
import { describePublishRate } from '../load-stages.js';
import { jsonEscape } from '../placeholders.js';
import type { Publish, PublishBody, PublishMethodKind, Scenario } from '../scenario.js';

/** Environment variables `{env.NAME}` is filled from. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Plain words for a connect failure (metrics/classify's describeFailure, passed in: metrics sits above run). */
export type ConnectWords = (reason: string) => string;

/** The parts of a scenario a publish method is read from. */
export type PublishingScenario = Pick<Scenario, 'publish' | 'stream'>;

export interface PublishMethodEntry<M extends { kind: PublishMethodKind }> {
  readonly kind: M['kind'];
  /** This method's view of a normalized scenario (or a report's) when it publishes this way, else null. */
  of(s: PublishingScenario): M | null;
  /** Where publishes go, as a template (the plan line, the report's publishUrl, the sender's URL); null when wsload sends none. */
  destination(m: M, targetUrl: string): string | null;
  /** Its part of the plan line, e.g. "publish 10/s POST to http://host/api (values tagged k3x9a2bq)". */
  plan(m: M, destination: string | null, valueTag: string | null): string;
  /** Its part of `wsload validate`'s line, e.g. "publish 10/s on a publisher socket". */
  validate(m: M): string;
  /** Heading of the summary's publish table: what a publish's latency was (an HTTP answer, a write or ack). */
  readonly reportTitle: string;
  /** Every template a publish fills, joined: whether publishes carry the run tag ("{value}") or the id. */
  templateText(m: M, destination: string): string;
  /** Plain words for a failure reason this method counts in `publish.failures`, or null when not one of its own. */
  failureWords(reason: string, connectWords: ConnectWords): string | null;
  /** The publish options with `{env.NAME}` filled in what leaves for the service; null when wsload sends nothing. */
  withEnv(m: M, env: Env): Publish | null;
}

/** The plan line's part of a method that sends: rate, how, where (without the query), the run tag. */
export function sendingPlan(publish: Publish, how: string, destination: string | null, valueTag: string | null): string {
  const where = destination === null ? '' : ` ${destination.split('?')[0]}`;
  return `publish ${describePublishRate(publish.rate, publish.stages)} ${how}${where}${valueTag ? ` (values tagged ${valueTag})` : ''}`;
}

/** `wsload validate`'s part of a method that sends: rate, then how ("" for the demo's GET). */
export function sendingValidate(publish: Publish, how: string): string {
  return `publish ${describePublishRate(publish.rate, publish.stages)}${how}`;
}

/** A body template filled: a value in a JSON body is JSON string content. */
export function bodyWithEnv(b: PublishBody, env: Env): PublishBody {
  return { ...b, template: fillEnv(b.template, env, b.json ? jsonEscape : undefined) };
}
