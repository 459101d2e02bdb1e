/**
 * The sender of each publish method that sends (run/publish-methods/table.ts has every method):
 * a method whose publishes wsload makes registers here how to start its sender.
 */
import type { PublishMethodOf, Scenario, SendingKind } from '../../run/scenario.js';
import type { PublishSender } from '../sender.js';
import { HttpSender } from './http.js';
import { ProtocolSender } from './protocol.js';
import { WebSocketSender } from './websocket.js';

/** Starts the sender of one method: `template` is the method's destination with `{env.NAME}` filled. */
type SenderFactory<M> = (scenario: Scenario, method: M, template: string, runTag: string) => PublishSender;

/** Every sending method's sender; a sending kind without one is a compile error. */
const SENDERS: { [K in SendingKind]: SenderFactory<PublishMethodOf<K>> } = {
  http: (scenario, method, template, runTag) => new HttpSender(scenario, method, template, runTag),
  websocket: (scenario, method, _template, runTag) => new WebSocketSender(scenario, method, runTag),
  protocol: (scenario, method, template, runTag) => new ProtocolSender(scenario, method, template, runTag),
};

/** The kinds that have a sender (the table test checks them against every method that sends). */
export const SENDER_KINDS: readonly string[] = Object.keys(SENDERS);

/** The sender of `method`. */
export function senderFor<K extends SendingKind>(
  scenario: Scenario,
  method: PublishMethodOf<K>,
  template: string,
  runTag: string,
): PublishSender {
  const factory: SenderFactory<PublishMethodOf<K>> = SENDERS[method.kind];
  return factory(scenario, method, template, runTag);
}
