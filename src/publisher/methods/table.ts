/**
 * The sender of each publish method that sends (run/publish-methods/table.ts has every method):
 * a method whose publishes wsload makes registers here how to load and start its sender. A
 * protocol sender is imported only by a run that publishes through a protocol: its codecs and
 * mqtt-packet were 1.6–2.0 MB of the main thread's RSS in every plain HTTP run (issue 22).
 */
import type { PublishMethodOf, Scenario, SendingKind } from '../../run/scenario.js';
import type { PublishSender } from '../sender.js';
import { HttpSender } from './http.js';
import { WebSocketSender } from './websocket.js';

/** Starts the sender of one method: `template` is the method's destination with `{env.NAME}` filled. */
type SenderFactory<M> = (scenario: Scenario, method: M, template: string, runTag: string) => PublishSender;

/** Every sending method's sender factory, loaded when a run needs it; a sending kind without one is a compile error. */
const SENDERS: { [K in SendingKind]: () => Promise<SenderFactory<PublishMethodOf<K>>> } = {
  http: async () => (scenario, method, template, runTag) => new HttpSender(scenario, method, template, runTag),
  websocket: async () => (scenario, method, _template, runTag) => new WebSocketSender(scenario, method, runTag),
  protocol: async () => {
    const { ProtocolSender } = await import('./protocol.js');
    return (scenario, method, template, runTag) => new ProtocolSender(scenario, method, template, runTag);
  },
};

/** The kinds that have a sender (the table test checks them against every method that sends). */
export const SENDER_KINDS: readonly string[] = Object.keys(SENDERS);

/** The sender of `method`, once its code is loaded (the publisher loads it before the hold: publisher.ts). */
export async function senderFor<K extends SendingKind>(
  scenario: Scenario,
  method: PublishMethodOf<K>,
  template: string,
  runTag: string,
): Promise<PublishSender> {
  const load: () => Promise<SenderFactory<PublishMethodOf<K>>> = SENDERS[method.kind];
  return (await load())(scenario, method, template, runTag);
}
