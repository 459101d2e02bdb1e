/**
 * `wsload serve --service` as a user starts it: its flags (tokens from an identities file, binary
 * pushes, the stream's interval, the publish token), what it answers, and the flags it refuses.
 * The scenarios that run against it are in shipped-scenarios.test.ts.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ROOT, startWsload, wsload, type RunningCli } from '../helpers/cli.js';

const running: RunningCli[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) {
    p.kill('SIGINT');
    await p.exited;
  }
});

/** Starts `wsload serve --service …` on a free port; resolves with its http://host:port once it listens. */
async function serve(args: string[]): Promise<{ proc: RunningCli; http: string; ws: string }> {
  const proc = startWsload(['serve', '--service', '--port', '0', ...args], { timeoutMs: 60_000 });
  running.push(proc);
  const until = Date.now() + 15_000;
  let m: RegExpExecArray | null = null;
  while ((m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(proc.stdout())) === null) {
    if (Date.now() > until) throw new Error(`serve --service did not start: ${proc.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { proc, http: m[1], ws: m[1].replace('http', 'ws') };
}

/** Opens a socket; resolves with it, or with the HTTP status that refused the upgrade. */
function open(url: string, headers: Record<string, string> = {}): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

/** The next message of a socket, with whether it came as a binary frame. */
function next(ws: WebSocket): Promise<{ text: string; binary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data: Buffer, binary: boolean) => resolve({ text: data.toString('utf8'), binary })));
}

describe('wsload serve --service', () => {
  it('lets in only the tokens of --tokens (and the publish token), pushes binary frames with --binary, streams prices at --stream-interval', async () => {
    const { http, ws } = await serve([
      '--tokens',
      join(ROOT, 'scenarios/users.csv'),
      '--binary',
      '--stream-interval',
      '50ms',
      '--publish-token',
      's3cret',
    ]);
    expect(await open(`${ws}/ws?token=nobody`)).toBe(401);
    const sub = (await open(`${ws}/prices?token=token-007`)) as WebSocket;
    const ack = next(sub);
    sub.send(JSON.stringify({ type: 'subscribe', topic: 'prices' }));
    expect(JSON.parse((await ack).text)).toEqual({ type: 'subscribed', topic: 'prices' });
    const first = await next(sub);
    const second = await next(sub);
    expect(first.binary).toBe(true);
    const [a, b] = [first, second].map((m) => JSON.parse(m.text) as { type: string; data: { seq: number; topic: string; ts: number } });
    expect(a.type).toBe('event');
    expect(a.data.topic).toBe('prices');
    expect(b.data.seq).toBe(a.data.seq + 1);
    expect(Math.abs(Date.now() - b.data.ts)).toBeLessThan(5_000);

    // A chat publisher authenticates with the publish token; POST needs it too.
    const pub = (await open(`${ws}/chat`, { authorization: 'Bearer s3cret' })) as WebSocket;
    expect(
      (await fetch(`${http}/publish`, { method: 'POST', headers: { authorization: 'Bearer change-me' }, body: '{"topic":"prices"}' }))
        .status,
    ).toBe(401);
    const stats = (await (await fetch(`${http}/admin/stats`)).json()) as {
      open: number;
      accepted: number;
      refused: number;
      subscribed: number;
    };
    expect(stats).toMatchObject({ open: 2, accepted: 2, refused: 1, subscribed: 1 });
    sub.close();
    pub.close();
  });

  it('--stream-interval 0: no stream; GET / describes the protocol', async () => {
    const { http, ws } = await serve(['--stream-interval', '0']);
    const sub = (await open(`${ws}/ws?topic=prices`)) as WebSocket;
    let got = 0;
    sub.on('message', () => got++);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(got).toBe(0);
    const res = await fetch(`${http}/publish?topic=prices&seq=1&auth=change-me`);
    expect(await res.json()).toEqual({ delivered: 1 });
    expect(await (await fetch(`${http}/`)).text()).toContain('POST /publish  Authorization: Bearer change-me');
    sub.close();
  });

  it.each([
    [['serve', '--binary'], 'wsload: --binary: only with --service\n'],
    [['serve', '--tokens', 'x.csv'], 'wsload: --tokens: only with --service\n'],
    [['serve', '--service', '--processes', '2'], 'wsload: --processes: the push service (--service) runs in one process\n'],
    [
      ['serve', '--service', '--stream-interval', 'soon'],
      'wsload: --stream-interval: expected a duration like "30s" or "2m", got "soon"\n',
    ],
    [['serve', '--service', '--tokens', 'scenarios/soak.json'], /^wsload: --tokens: .*soak\.json/],
  ])('%j is refused with one line, exit 2', async (args, message) => {
    const r = await wsload(args, { cwd: ROOT, timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    if (typeof message === 'string') expect(r.stderr).toBe(message);
    else expect(r.stderr).toMatch(message);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });
});
