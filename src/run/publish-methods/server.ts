/**
 * The service pushes its own stream (`publish.source: "server"`): wsload sends nothing and judges
 * each message by its embedded timestamp and sequence. No sender; file keys and rules:
 * scenario/publish-methods/server.ts.
 */
import type { PublishMethodOf } from '../scenario.js';
import type { PublishMethodEntry } from './method.js';

export type ServerPublishMethod = PublishMethodOf<'server'>;

export const serverMethod: PublishMethodEntry<ServerPublishMethod> = {
  kind: 'server',
  of: (s) => (s.stream ? { kind: 'server', stream: s.stream } : null),
  destination: () => null,
  plan: (m) => {
    const judged = [
      m.stream.timestamp ? `timestamp ${m.stream.timestamp}` : null,
      m.stream.sequence ? `sequence ${m.stream.sequence}` : null,
    ].filter((x) => x !== null);
    return `server stream (${judged.join(', ')})`;
  },
  validate: () => 'the server publishes (publish.source "server")',
  // Never shown: the summary has no publish table when nothing was sent.
  reportTitle: 'Publish (the server publishes)',
  templateText: () => '',
  failureWords: () => null,
  withEnv: () => null,
};
