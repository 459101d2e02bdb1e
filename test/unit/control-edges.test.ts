/**
 * What may cross the control channel as a token, an agent name or a coordinator address, and the
 * coordinator's own last line of defence: no empty token ever matches, a channel is never opened
 * on one, and a malformed name is refused at the upgrade with its own status.
 */
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { tokenMatches, tokenProblem, bearerToken } from '../../src/coordinator/token.js';
import { agentNameProblem, toAgentName } from '../../src/run/agent-name.js';
import { coordinatorUrlProblem } from '../../src/agent/coordinator-url.js';
import { listenForAgents } from '../../src/coordinator/control-server.js';
import { AGENT_NAME_HEADER, AGENT_VERSION_HEADER, CONTROL_PATH } from '../../src/run/control-protocol.js';
import { VERSION } from '../../src/version.js';
import { UsageError } from '../../src/errors.js';
import { upgradeThenReset } from '../helpers/raw-upgrade.js';

describe('tokenProblem', () => {
  it('accepts visible ASCII tokens, generated ones included', () => {
    for (const t of ['test-token-7f3a', 'a', 'AbC_-.~+/=', 'x'.repeat(4096)]) expect(tokenProblem(t), t).toBeNull();
  });

  it.each([
    ['', /^empty; a token is required/],
    [' ', /^only white space/],
    ['\t\n', /^only white space/],
    ['tök', /^character 2 of 3 is not ASCII; expected visible ASCII characters only/],
    ['a\nb', /^character 2 of 3 is a line break/],
    ['a b', /^character 2 of 3 is a space/],
    ['ab\u0007', /^character 3 of 3 is a control character/],
    ['x'.repeat(4097), /^4097 characters long; expected at most 4096$/],
  ])('refuses %j with a reason that never echoes the secret', (token, message) => {
    const problem = tokenProblem(token);
    expect(problem).toMatch(message);
    if (token.trim() !== '') expect(problem).not.toContain(token);
  });

  it('refuses what is not a string', () => {
    expect(tokenProblem(undefined)).toBe('expected a string, got undefined');
    expect(tokenProblem(null)).toBe('expected a string, got null');
    expect(tokenProblem(42)).toBe('expected a string, got number');
  });
});

describe('tokenMatches', () => {
  it('matches equal tokens only, and an empty token never (an absent header reads as "")', () => {
    expect(tokenMatches('s3cret', 's3cret')).toBe(true);
    expect(tokenMatches('s3cret', 's3cres')).toBe(false);
    expect(tokenMatches('', '')).toBe(false);
    expect(tokenMatches(bearerToken(undefined), '')).toBe(false);
    expect(tokenMatches('', 's3cret')).toBe(false);
  });
});

describe('agentNameProblem', () => {
  it('accepts pod names, job indexes and <host>-<pid>', () => {
    for (const n of ['wsload-agent-3-x7k2p', '0', 'vm-1234', 'a.b_c:d']) expect(agentNameProblem(n), n).toBeNull();
  });

  it.each([
    ['', 'empty; expected a name like "agent-1" (letters, digits, ".", "_", ":" and "-")'],
    ['a\nb', '"a\\nb" has characters other than letters, digits, ".", "_", ":" and "-"'],
    ['😀', '"😀" has characters other than letters, digits, ".", "_", ":" and "-"'],
    ['a b', '"a b" has characters other than letters, digits, ".", "_", ":" and "-"'],
    ['x'.repeat(254), '254 characters long; expected at most 253'],
  ])('refuses %j in one line', (name, message) => {
    expect(agentNameProblem(name)).toBe(message);
    expect(message).not.toContain('\n');
  });

  it('makes a valid default out of any host name', () => {
    expect(toAgentName('höst name-12')).toBe('h-st-name-12');
    expect(agentNameProblem(toAgentName('😀\n'))).toBeNull();
  });
});

describe('coordinatorUrlProblem', () => {
  it('accepts ws:// and wss:// with a host and port (a trailing slash too)', () => {
    for (const u of ['ws://127.0.0.1:7070', 'wss://coordinator.ns.svc:7070', 'ws://[::1]:7070/', 'ws://host'])
      expect(coordinatorUrlProblem(u), u).toBeNull();
  });

  it.each([
    [
      'ws://127.0.0.1:7070/#x',
      'expected ws://HOST:PORT or wss://HOST:PORT, got "ws://127.0.0.1:7070/#x": a #fragment is not part of an address',
    ],
    [
      'ws://127.0.0.1:7070#',
      'expected ws://HOST:PORT or wss://HOST:PORT, got "ws://127.0.0.1:7070#": a #fragment is not part of an address',
    ],
    ['ws://h:1/?a=1', 'expected ws://HOST:PORT or wss://HOST:PORT, got "ws://h:1/?a=1": a ?query is not part of an address'],
    [
      'ws://h:1/run',
      'expected ws://HOST:PORT or wss://HOST:PORT, got "ws://h:1/run": the path /run is not part of an address (the agent adds the control path itself)',
    ],
    ['http://h:1', 'expected ws://HOST:PORT or wss://HOST:PORT, got "http://h:1" (scheme http)'],
    ['h:1', 'expected ws://HOST:PORT or wss://HOST:PORT, got "h:1" (scheme h)'],
    ['not a url', 'expected ws://HOST:PORT or wss://HOST:PORT, got "not a url"'],
    [
      'ws://user:pw@h:1',
      'expected ws://HOST:PORT or wss://HOST:PORT, got a user name or password in the URL; pass the token with --token or env WSLOAD_TOKEN',
    ],
  ])('refuses %j in one line', (url, message) => {
    expect(coordinatorUrlProblem(url)).toBe(message);
  });
});

/** The status a control listener answers an upgrade with these headers. */
function upgradeStatus(port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: CONTROL_PATH,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      resolve(101);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the control listener', () => {
  it('is never opened on an empty or blank token (it would admit anyone)', async () => {
    for (const token of ['', ' ']) {
      const err = await listenForAgents(
        { host: '127.0.0.1', port: 0, token, tls: null },
        { admit: () => 0, onAgent: () => {}, onRefused: () => {} },
      ).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(/^control channel token: (empty|only white space)/);
    }
  });

  it('refuses an upgrade without a token (401) and one with an empty or malformed name (400), admits a good one', async () => {
    const admitted: string[] = [];
    const listener = await listenForAgents(
      { host: '127.0.0.1', port: 0, token: 's3cret', tls: null },
      {
        admit: () => 0,
        onAgent: (ws, name) => {
          admitted.push(name);
          ws.close();
        },
        onRefused: () => {},
      },
    );
    try {
      const good = { authorization: 'Bearer s3cret', [AGENT_VERSION_HEADER]: VERSION };
      expect(await upgradeStatus(listener.port, { [AGENT_VERSION_HEADER]: VERSION, [AGENT_NAME_HEADER]: 'a' })).toBe(401);
      expect(await upgradeStatus(listener.port, { ...good, [AGENT_NAME_HEADER]: '' })).toBe(400);
      expect(await upgradeStatus(listener.port, { ...good, [AGENT_NAME_HEADER]: 'a b' })).toBe(400);
      expect(await upgradeStatus(listener.port, { ...good, [AGENT_NAME_HEADER]: 'agent-1' })).toBe(101);
      expect(admitted).toEqual(['agent-1']);
    } finally {
      listener.close();
    }
  });

  it('survives peers that reset right after a refused upgrade (a scanner, a hostile peer), and keeps listening', async () => {
    const listener = await listenForAgents(
      { host: '127.0.0.1', port: 0, token: 's3cret', tls: null },
      { admit: () => 0, onAgent: (ws) => ws.close(), onRefused: () => {} },
    );
    const errors: unknown[] = [];
    const onError = (err: unknown): void => void errors.push(err);
    process.on('uncaughtException', onError);
    try {
      for (let round = 0; round < 4; round++)
        await Promise.all(Array.from({ length: 25 }, (_, i) => upgradeThenReset(listener.port, CONTROL_PATH, i % 3)));
      await new Promise((r) => setTimeout(r, 200));
      expect(errors).toEqual([]);
      const good = { authorization: 'Bearer s3cret', [AGENT_VERSION_HEADER]: VERSION, [AGENT_NAME_HEADER]: 'agent-1' };
      expect(await upgradeStatus(listener.port, good)).toBe(101);
    } finally {
      process.off('uncaughtException', onError);
      listener.close();
    }
  });
});
