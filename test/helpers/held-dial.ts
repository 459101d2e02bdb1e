/**
 * A TCP door on loopback that an agent dials instead of its coordinator: it accepts and holds
 * every connection until `open(port)`, then pipes the agent's current attempt (and any later
 * connection) to that port.
 * What it is for: a CLI process takes seconds to start on a loaded machine (over 15 s seen at load
 * 20-30), so a test whose bound (`--agent-wait`) must not include a process start starts the agent
 * first, waits until it has dialed (`dialed()`: it is up), and only then lets it through. The agent
 * dials again after its own handshake timeout (10 s), so a held connection it gave up on is replaced.
 */
import net from 'node:net';

export interface HeldDial {
  /** ws://127.0.0.1:PORT for the agent's `--coordinator`. */
  url: string;
  /** Resolves once a connection arrived (the agent's process is up and dialing); false after `limitMs`. */
  dialed(limitMs: number): Promise<boolean>;
  /** From now on, held and new connections go to 127.0.0.1:`port`. */
  open(port: number): void;
  close(): void;
}

export async function holdDial(): Promise<HeldDial> {
  let target: number | null = null;
  let arrived = false;
  /** Held connections, oldest first, with what each sent so far (its upgrade request). */
  const held: Array<{ socket: net.Socket; sent: Buffer[]; ended: boolean }> = [];
  const all = new Set<net.Socket>();
  const waiters: Array<() => void> = [];

  const pipe = (client: net.Socket, port: number, sent: Buffer[] = []): void => {
    const upstream = net.connect(port, '127.0.0.1');
    all.add(upstream);
    for (const chunk of sent) upstream.write(chunk);
    // Each side's end (FIN) is passed on after its data, as a direct connection would: a stopped
    // agent woken later still reads the coordinator's close frame and its reason.
    client.pipe(upstream);
    upstream.pipe(client);
    const broken = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', broken);
    upstream.on('error', broken);
  };

  const server = net.createServer((client) => {
    all.add(client);
    arrived = true;
    waiters.splice(0).forEach((w) => w());
    if (target !== null) return pipe(client, target);
    // Held: read (so that the agent giving up on it, after its handshake timeout, is seen) and kept.
    const entry = { socket: client, sent: [] as Buffer[], ended: false };
    held.push(entry);
    client.on('data', (chunk: Buffer) => entry.sent.push(chunk));
    client.on('end', () => (entry.ended = true));
    client.on('error', () => (entry.ended = true));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  return {
    url: `ws://127.0.0.1:${port}`,
    dialed: (limitMs) =>
      arrived
        ? Promise.resolve(true)
        : new Promise((resolve) => {
            const timer = setTimeout(() => resolve(false), limitMs);
            waiters.push(() => {
              clearTimeout(timer);
              resolve(true);
            });
          }),
    open: (to) => {
      target = to;
      // Only the newest connection still open is the agent's current attempt: an older one, passed
      // on, would join in its name and have the live attempt refused ("already joined", final).
      const live = held.filter((h) => !h.ended);
      const newest = live.pop();
      for (const h of [...held.filter((x) => x.ended), ...live]) h.socket.destroy();
      held.length = 0;
      if (!newest) return;
      newest.socket.removeAllListeners('data');
      pipe(newest.socket, to, newest.sent);
    },
    close: () => {
      for (const s of all) s.destroy();
      server.close();
    },
  };
}
