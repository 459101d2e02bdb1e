/**
 * Topic arithmetic shared by the plan (which topic each socket is in), the publisher (which topic
 * each publish goes to) and the report (how many sockets each topic has). Pure.
 */
import type { Topics } from './scenario.js';

/** Topic index of each global socket index. */
export function topicIndexTable(topics: Topics, connections: number): Uint16Array {
  const table = new Uint16Array(connections);
  const n = topics.names.length;
  if (topics.assign === 'modulo') {
    for (let i = 0; i < connections; i++) table[i] = i % n;
  } else if (topics.assign === 'block') {
    for (let i = 0; i < connections; i++) table[i] = Math.floor((i * n) / connections);
  } else {
    // Consecutive ranges, as cohorts take them: socket i → worker i mod W interleaves them over workers.
    let at = 0;
    topics.counts.forEach((count, t) => {
      table.fill(t, at, at + count);
      at += count;
    });
  }
  return table;
}

/** Sockets per topic for a generated assignment ("modulo" or "block"). */
export function generatedTopicCounts(count: number, connections: number, assign: 'modulo' | 'block'): number[] {
  const counts = new Array<number>(count).fill(0);
  for (let i = 0; i < connections; i++) counts[assign === 'modulo' ? i % count : Math.floor((i * count) / connections)]++;
  return counts;
}

/** Topic name of generated topic n. */
export function generatedTopicName(template: string, n: number): string {
  return template.replaceAll('{n}', String(n));
}

/** Index (into the topic names) of publish `seq`'s topic: the publish's topic cycle, in order. */
export function publishTopicIndex(cycle: readonly number[], seq: number): number {
  return cycle[(seq - 1) % cycle.length];
}
