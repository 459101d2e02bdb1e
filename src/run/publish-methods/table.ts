/**
 * The table of publish methods: every kind of `PublishMethod` (run/scenario.ts) registered once.
 * Everything that used to ask "is it a publisher socket? a server stream?" asks the scenario's
 * method instead (`publishMethodOf`), so a new method is its modules plus a line here and in the
 * two tables above this layer (scenario/publish-methods/table.ts, publisher/methods/table.ts).
 */
import type { Publish, PublishMethod, PublishMethodKind, PublishMethodOf } from '../scenario.js';
import { httpMethod } from './http.js';
import type { ConnectWords, Env, PublishingScenario, PublishMethodEntry } from './method.js';
import { protocolMethod } from './protocol.js';
import { serverMethod } from './server.js';
import { websocketMethod } from './websocket.js';

/** Every method by kind; `satisfies` makes a kind without an entry a compile error. */
export const PUBLISH_METHODS = {
  http: httpMethod,
  websocket: websocketMethod,
  protocol: protocolMethod,
  server: serverMethod,
} as const satisfies { [K in PublishMethodKind]: PublishMethodEntry<PublishMethodOf<K>> };

/** A scenario's method with its entry bound to it: what every caller uses. */
export interface BoundPublishMethod {
  readonly method: PublishMethod;
  readonly kind: PublishMethodKind;
  destination(targetUrl: string): string | null;
  plan(destination: string | null, valueTag: string | null): string;
  validate(): string;
  readonly reportTitle: string;
  templateText(destination: string): string;
  withEnv(env: Env): Publish | null;
}

function bind<M extends PublishMethod>(entry: PublishMethodEntry<M>, m: M): BoundPublishMethod {
  return {
    method: m,
    kind: entry.kind,
    destination: (targetUrl) => entry.destination(m, targetUrl),
    plan: (destination, valueTag) => entry.plan(m, destination, valueTag),
    validate: () => entry.validate(m),
    reportTitle: entry.reportTitle,
    templateText: (destination) => entry.templateText(m, destination),
    withEnv: (env) => entry.withEnv(m, env),
  };
}

function recogniser<M extends PublishMethod>(entry: PublishMethodEntry<M>): (s: PublishingScenario) => BoundPublishMethod | null {
  return (s) => {
    const m = entry.of(s);
    return m === null ? null : bind(entry, m);
  };
}

/** Asked in this order, the first that recognises the scenario is its method: HTTP, the default, last. */
const RECOGNISED_IN_ORDER = [
  recogniser(PUBLISH_METHODS.server),
  recogniser(PUBLISH_METHODS.websocket),
  recogniser(PUBLISH_METHODS.protocol),
  recogniser(PUBLISH_METHODS.http),
];

/** Failure words of every method, asked in turn. */
const FAILURE_WORDS = Object.values(PUBLISH_METHODS).map((entry) => entry.failureWords);

/** The scenario's (or a report's scenario's) publish method; null when nothing is published. */
export function publishMethodOf(s: PublishingScenario): BoundPublishMethod | null {
  for (const recognise of RECOGNISED_IN_ORDER) {
    const bound = recognise(s);
    if (bound) return bound;
  }
  return null;
}

/**
 * Every template a publish fills (URL, header values, body or message), joined: what tells
 * whether publishes carry the run tag ("{value}") or the id ("{id}").
 */
export function publishTemplateText(publish: Publish, url: string): string {
  return publishMethodOf({ publish })?.templateText(url) ?? url;
}

/** Plain words for a failure reason one of the methods counts, or null when none claims it (a reason every method shares). */
export function methodFailureWords(reason: string, connectWords: ConnectWords): string | null {
  for (const words of FAILURE_WORDS) {
    const said = words(reason, connectWords);
    if (said !== null) return said;
  }
  return null;
}
