/** The `protocol` key's graphql-ws options: defaults filled, the query checked by graphql's parser, one line at its JSON path. */
import { describe, expect, it } from 'vitest';
import { validation } from '../helpers/validation.js';

const v = validation({ cpus: 2 });
const base = (protocol: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'p',
  target: { url: 'ws://127.0.0.1:4000/graphql' },
  connections: 10,
  duration: '1s',
  protocol,
  ...extra,
});
const NEWS = 'subscription { news { id value } }';

describe('protocol graphql-ws', () => {
  it('fills every default, keeps variables and the init payload as JSON templates', () => {
    expect(v.ok(base({ name: 'graphql-ws', query: NEWS })).protocol).toEqual({
      name: 'graphql-ws',
      query: NEWS,
      variables: null,
      operationName: null,
      init: null,
      pingMs: 0,
      timeoutMs: 10_000,
    });
    const p = v.ok(
      base(
        {
          name: 'graphql-ws',
          query: NEWS,
          variables: { t: '{topic}' },
          init: { token: '{conn}' },
          ping: '15s',
          timeout: '2s',
          operationName: 'N',
        },
        { topics: { count: 2 } },
      ),
    ).protocol;
    expect(p).toEqual({
      name: 'graphql-ws',
      query: NEWS,
      variables: '{"t":"{topic}"}',
      operationName: 'N',
      init: '{"token":"{conn}"}',
      pingMs: 15_000,
      timeoutMs: 2_000,
    });
  });

  it.each([
    [
      { name: 'graphql-ws', query: 'subscription { news { id }' },
      'protocol.query: expected a GraphQL subscription document like "subscription { news { id value } }": Syntax Error: Expected Name, found <EOF>. (line 1, column 27)',
    ],
    [
      { name: 'graphql-ws', query: '{ hello }' },
      'protocol.query: expected a GraphQL subscription document like "subscription { news { id value } }": the document has no subscription operation',
    ],
    [
      { name: 'graphql-ws', query: NEWS, ping: 'often' },
      'protocol.ping: expected a duration like "500ms", "30s", "10m" or "1h30m", got "often"',
    ],
    [
      { name: 'graphql-ws', query: NEWS, variables: [1] },
      "protocol.variables: expected an object (the subscription's variables), got an array of 1",
    ],
  ])('%j → one line at its path', (protocol, line) => {
    expect(v.lines(base(protocol))).toEqual([line]);
  });

  it('needs a query, and a URL: the embedded target speaks plain WebSocket', () => {
    expect(v.lines(base({ name: 'graphql-ws' }))[0]).toMatch(/^protocol\.query: /);
    expect(v.lines(base({ name: 'graphql-ws', query: NEWS }, { target: 'embedded' }))).toEqual([
      'protocol: "graphql-ws" needs a target.url of a GraphQL server\'s graphql-ws endpoint; the embedded target speaks plain WebSocket',
    ]);
  });
});
