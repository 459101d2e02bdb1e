/**
 * The coordinator's --agent-wait judged after a stall of its own (issue 21/28): a coordinator that
 * was stopped or starved wakes on its wait timer past the deadline, with frames and closes of its
 * agents already queued in its sockets. It must read them before it judges: an agent whose hello
 * was sent in time joined, and an agent that left is gone (not "connected but silent"). An agent
 * that really never said hello is still reported. The stall is a busy-wait of this process, which
 * runs the real coordinator (library) and its agents (real WebSocket clients on loopback,
 * test/helpers/fake-agent.ts): what they sent before the stall is in the kernel's buffers, unread.
 * The same for a clock probe's timeout: a reply sent in time is taken, not given up.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { AgentLink } from '../../src/coordinator/agent-link.js';
import { Coordinator } from '../../src/coordinator/coordinator.js';
import { nowMs } from '../../src/clock.js';
import { hostClockIdentity } from '../../src/host-clock.js';
import { VERSION } from '../../src/version.js';
import { FakeAgent } from '../helpers/fake-agent.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'wait-stall-token';
/** Longer than the deadline, than REPLACE_SILENT_MS and than a clock probe's timeout (2 s each). */
const STALL_MS = 2_500;
const WAIT_MS = 300;

const me = hostClockIdentity();
const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

async function coordinator(expected: number): Promise<Coordinator> {
  const c = await Coordinator.start({ host: '127.0.0.1', port: 0, token: TOKEN, tls: null, expected });
  open.push(c);
  return c;
}

/**
 * An agent on this host's clock (so its hello alone makes it joined: no probe round trips), its
 * hello sent only when `sayHello` is called.
 */
async function agent(c: Coordinator, name: string): Promise<{ fake: FakeAgent; sayHello: () => void }> {
  const fake = await FakeAgent.connect({ url: `ws://127.0.0.1:${c.port}`, token: TOKEN, name, hello: false });
  open.push(fake);
  const sayHello = (): void => fake.send({ type: 'hello', name, host: me.host, pid: process.pid, bootId: me.bootId, version: VERSION });
  return { fake, sayHello };
}

/** Blocks this process's event loop (the coordinator's and its agents'): a SIGSTOP, in-process. */
function stall(ms: number): void {
  const end = nowMs() + ms;
  while (nowMs() < end) {
    // Busy: no timer, no socket read runs meanwhile.
  }
}

/**
 * `act` (its frames and closes written to the sockets), then a stall, from the loop's check phase:
 * the next phase to run is the timers', before any socket is read. A coordinator stopped while
 * idle in epoll_wait wakes the same way: the call fails with EINTR at SIGCONT (signal(7)), and the
 * loop runs its expired timers before it polls again.
 */
async function stallAfter(act: () => void): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  act();
  stall(STALL_MS);
}

/** What waitForAgents ended with: true, or the CoordinationError's message. */
async function outcome(p: Promise<boolean>): Promise<true | string> {
  try {
    expect(await p).toBe(true);
    return true;
  } catch (err) {
    return (err as Error).message;
  }
}

const never = new Promise<void>(() => {});

describe('waitForAgents after the coordinator stalled past its deadline', () => {
  // The fake agents join as this host (its boot id), so no clock probe is needed to admit them; a
  // host without one cannot run this file, and says so rather than skipping on its own.
  beforeAll(() => {
    if (me.bootId === null)
      throw new Error('this host has no boot id (/proc/sys/kernel/random/boot_id): the fake agents cannot join as this host');
  });

  it('admits an agent whose hello was sent before the deadline, still unread when the stall ended', async () => {
    const c = await coordinator(2);
    const a = await agent(c, 'a');
    a.sayHello();
    await waitFor(() => c.joined.length === 1, 10_000, 'agent a joined');
    const b = await agent(c, 'b');
    const waiting = outcome(c.waitForAgents(nowMs() + WAIT_MS, '0.3s', never));
    // The hello is written to the socket at once (no compression on the control channel): it is in
    // the coordinator's receive buffer, unread, for the whole stall.
    await stallAfter(b.sayHello);
    expect(await waiting).toBe(true);
    expect(c.joined.map((l) => l.id.name).sort()).toEqual(['a', 'b']);
  });

  it('counts an agent that left during the stall as gone, not as connected but silent', async () => {
    const c = await coordinator(2);
    const a = await agent(c, 'a');
    a.sayHello();
    await waitFor(() => c.joined.length === 1, 10_000, 'agent a joined');
    const waiting = outcome(c.waitForAgents(nowMs() + WAIT_MS, '0.3s', never));
    // Gone as a killed agent goes: its socket closed at once (the kernel sends the FIN).
    await stallAfter(() => a.fake.ws.terminate());
    expect(await waiting).toBe('--agent-wait 0.3s: 2 of 2 agents did not join (none joined)');
  });

  it('still reports an agent that connected but never said hello, and one that never came', async () => {
    const c = await coordinator(3);
    const a = await agent(c, 'a');
    a.sayHello();
    await waitFor(() => c.joined.length === 1, 10_000, 'agent a joined');
    // Connected, and silent: no hello, and none of the frames that may only follow one.
    const mute = await agent(c, 'mute');
    mute.fake.speaking = false;
    const at = nowMs();
    const waiting = outcome(c.waitForAgents(nowMs() + WAIT_MS, '0.3s', never));
    await stallAfter(() => {});
    const text = await waiting;
    expect(text).toMatch(
      /^--agent-wait 0\.3s: 2 of 3 agents did not join \(joined: a \(\S+\); connected but said no hello: mute from 127\.0\.0\.1:\d+\)$/,
    );
    // Judged right after the stall, not after another wait (the bound was not stretched); the
    // margin is for a loaded machine, far below any wait the coordinator has (250 ms polls aside).
    expect(nowMs() - at).toBeLessThan(STALL_MS + 5_000);
  });
});

describe('a clock probe after the coordinator stalled past its timeout', () => {
  it('takes the reply sent in time, still unread when the stall ended', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    open.push(wss);
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    const linked = new Promise<AgentLink>((resolve) =>
      wss.once('connection', (ws) => {
        const link = new AgentLink({ name: 'p', host: 'elsewhere', pid: 1, bootId: null }, '127.0.0.1', ws);
        ws.on('message', (data: Buffer) => void link.onProbeReply(JSON.parse(data.toString())));
        resolve(link);
      }),
    );
    const { port } = wss.address() as { port: number };
    const agentWs = new WebSocket(`ws://127.0.0.1:${port}`);
    open.push({ close: () => agentWs.terminate() });
    // The agent answers at once, then this process stalls past the probe's 2 s timeout.
    agentWs.on('message', (data: Buffer) => {
      const probe = JSON.parse(data.toString()) as { id: number; t0: number };
      const now = nowMs() + 1_000;
      agentWs.send(JSON.stringify({ type: 'probe-reply', id: probe.id, t0: probe.t0, t1: now, t2: now, n: 1 }));
      stall(STALL_MS);
    });
    const link = await linked;
    await link.estimateClock(1);
    expect(link.clockKnown).toBe(true);
    // Its offset from the one reply: the agent's clock runs 1 s ahead, within the stall's round trip.
    expect(Math.abs(link.clock.offsetMs - 1_000)).toBeLessThanOrEqual(link.clock.uncertaintyMs);
  });
});
