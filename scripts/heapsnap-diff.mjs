#!/usr/bin/env node
/**
 * Heap snapshots diffed by constructor (issue 27, docs/soak.md): for each snapshot given (written by
 * test/helpers/inject/heap-probe.mjs or v8.writeHeapSnapshot), the count and self size of the
 * objects of each constructor (node type and name), and the change from the first snapshot to each
 * later one, largest growth first.
 *   node scripts/heapsnap-diff.mjs a.heapsnapshot b.heapsnapshot c.heapsnapshot [--top 25]
 */
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args[topAt + 1]) : 25;
const files = args.filter((a, i) => a !== '--top' && !(topAt >= 0 && i === topAt + 1));
if (files.length < 2) {
  process.stderr.write('usage: node scripts/heapsnap-diff.mjs <first.heapsnapshot> <later.heapsnapshot>… [--top N]\n');
  process.exit(2);
}

/** Count and self size per "type:name" (strings and code folded into their type: their names are their contents). */
function byConstructor(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const f = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = f.length;
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((k) => f.indexOf(k));
  const out = new Map();
  const nodes = snap.nodes;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + iType]];
    const name = type === 'object' || type === 'closure' || type === 'native' ? snap.strings[nodes[i + iName]] : '';
    const key = `${type}:${name}`;
    const e = out.get(key) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += nodes[i + iSize];
    out.set(key, e);
  }
  return out;
}

const maps = files.map(byConstructor);
const total = (m) => [...m.values()].reduce((a, e) => a + e.bytes, 0);
const first = maps[0];
for (let k = 1; k < maps.length; k++) {
  const later = maps[k];
  const keys = new Set([...first.keys(), ...later.keys()]);
  const rows = [...keys].map((key) => {
    const a = first.get(key) ?? { count: 0, bytes: 0 };
    const b = later.get(key) ?? { count: 0, bytes: 0 };
    return { key, dCount: b.count - a.count, dBytes: b.bytes - a.bytes, count: b.count, bytes: b.bytes };
  });
  rows.sort((r, s) => s.dBytes - r.dBytes);
  const mb = (v) => (v / 1048576).toFixed(2);
  process.stdout.write(`${files[0]} → ${files[k]}: self size ${mb(total(first))} → ${mb(total(later))} MB\n`);
  for (const r of rows.slice(0, top)) {
    const sign = (v) => (v >= 0 ? '+' : '');
    const now = `(${r.count}, ${(r.bytes / 1024).toFixed(1)} KB)`;
    process.stdout.write(`  ${sign(r.dBytes)}${(r.dBytes / 1024).toFixed(1)} KB  ${sign(r.dCount)}${r.dCount}  ${now}  ${r.key}\n`);
  }
}
