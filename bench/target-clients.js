/**
 * Raw `ws` clients for the `target` bench run, in their own process so their receive work does
 * not delay the bench's publish timing. argv: url sockets localAddress maxPending.
 * IPC: sends {type:'opened', opened, failed, rampMs}; answers 'report' with per-publish receipt
 * counts and the CLOCK_MONOTONIC time (ns, as text) of each publish's last receipt; exits on 'close'.
 */
import { WebSocket } from 'ws';

const [url, socketsText, localAddress, pendingText] = process.argv.slice(2);
const sockets = Number(socketsText);
const maxPending = Number(pendingText) || 200;
const all = [];
/** id → [receipts, last receipt ns] */
const byId = new Map();

function onMessage(data) {
  const now = process.hrtime.bigint();
  let id;
  try {
    id = JSON.parse(data.toString()).id;
  } catch {
    return;
  }
  const e = byId.get(id);
  if (e) {
    e[0]++;
    e[1] = now;
  } else {
    byId.set(id, [1, now]);
  }
}

function openOne() {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, localAddress: localAddress || undefined });
    ws.on('error', () => {});
    ws.once('open', () => {
      ws.on('message', onMessage);
      all.push(ws);
      resolve(true);
    });
    ws.once('close', () => resolve(false));
  });
}

async function main() {
  const started = Date.now();
  let next = 0;
  let opened = 0;
  let failed = 0;
  const lane = async () => {
    while (next < sockets) {
      next++;
      if (await openOne()) opened++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(maxPending, sockets) }, lane));
  process.send({ type: 'opened', opened, failed, rampMs: Date.now() - started });
}

process.on('message', (msg) => {
  if (msg === 'report') {
    process.send({ type: 'report', byId: [...byId].map(([id, [n, last]]) => [id, n, String(last)]) });
  } else if (msg === 'close') {
    for (const ws of all) ws.terminate();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));

void main();
