/**
 * Follows the .ndjson timeline a run writes, handing out each complete line once. The driver makes
 * timeline lines only for that file (one synchronous write per line), so reading it back is how a
 * library caller sees them without a second copy of the timeline logic.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { TimelineLine } from '../run/report.js';

const CHUNK_BYTES = 64 * 1024;

/** Reads the lines appended to one timeline file since the last call. */
export class TimelineTail {
  private fd: number | null = null;
  private offset = 0;
  private partial = '';
  // A chunk can end inside a multi-byte character; the decoder keeps its first bytes for the next.
  private readonly decoder = new StringDecoder('utf8');
  private closed = false;

  constructor(private readonly file: string) {}

  /** Complete lines written since the previous call; none while the file does not exist yet. */
  read(): TimelineLine[] {
    if (this.closed || !this.open()) return [];
    const fd = this.fd as number;
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let text = this.partial;
    for (;;) {
      const n = readSync(fd, chunk, 0, CHUNK_BYTES, this.offset);
      if (n === 0) break;
      this.offset += n;
      text += this.decoder.write(chunk.subarray(0, n));
    }
    // The writer hands each line to the kernel whole, but a read can still land between two of
    // its writes: only text up to the last newline is a finished line.
    const end = text.lastIndexOf('\n');
    this.partial = end < 0 ? text : text.slice(end + 1);
    if (end < 0) return [];
    return text
      .slice(0, end)
      .split('\n')
      .filter((row) => row.trim() !== '')
      .map((row) => JSON.parse(row) as TimelineLine);
  }

  /** Stops following; later reads return nothing. */
  close(): void {
    this.closed = true;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private open(): boolean {
    if (this.fd !== null) return true;
    try {
      this.fd = openSync(this.file, 'r');
      return true;
    } catch {
      return false;
    }
  }
}
