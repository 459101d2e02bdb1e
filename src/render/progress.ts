/**
 * Live progress on stderr: one rewritten line on a TTY, a plain line every 10 s otherwise, so CI
 * logs stay readable. The only module that writes while a run is going on.
 */
import type { Progress } from '../run/run-options.js';
import { formatDuration } from '../duration.js';

/** One progress line, no colour. */
export function formatProgress(p: Progress): string {
  const parts = [
    `[${formatDuration(p.elapsedMs)}] ${p.phase}`,
    `sockets ${p.open}/${p.target}`,
    `published ${p.published}`,
    `deliveries ${Math.round(p.deliveriesPerSec)}/s`,
    // No delivery yet is no figure, not a 0 ms p99.
    `p99 ${p.p99Ms === null ? '–' : `${p.p99Ms.toFixed(1)}ms`}`,
    `errors ${p.failed + p.lost}`,
    `closes ${p.closes}`,
    `lag ${p.lagMs.toFixed(0)}ms`,
  ];
  // A server stream: no publishes and no fan-out; its messages and staleness instead.
  if (p.stalenessP99Ms !== undefined) {
    const staleness = `staleness p99 ${p.stalenessP99Ms === null ? '–' : `${p.stalenessP99Ms.toFixed(1)}ms`}`;
    const messages = `messages ${Math.round(p.deliveriesPerSec)}/s`;
    return parts
      .filter((part) => !part.startsWith('published '))
      .map((part) => (part.startsWith('deliveries ') ? messages : part.startsWith('p99 ') ? staleness : part))
      .join(' | ');
  }
  return parts.join(' | ');
}

/** Columns assumed when a terminal reports none (0 under some CI runners and serial consoles, undefined off a TTY). */
const DEFAULT_COLUMNS = 80;

/**
 * How many columns the live line may use: the terminal's width, or 80 when it reports 0 or none
 * (cutting to a floor of 20 left "[12s] hold | sockets" and hid every figure).
 */
export function progressWidth(columns: number | undefined): number {
  return columns !== undefined && Number.isFinite(columns) && columns > 0 ? columns : DEFAULT_COLUMNS;
}

export interface ProgressPrinter {
  update(p: Progress): void;
  /** Ends the live line so later output starts on a fresh line. */
  done(): void;
}

/** A printer for `stream`; quiet gives one that prints nothing. */
export function createProgressPrinter(stream: NodeJS.WriteStream, quiet: boolean): ProgressPrinter {
  if (quiet) return { update() {}, done() {} };
  if (stream.isTTY) {
    let drawn = false;
    return {
      update(p) {
        const line = formatProgress(p).slice(0, progressWidth(stream.columns) - 1);
        stream.write(`\r\x1b[2K${line}`);
        drawn = true;
      },
      done() {
        // Also called before a warning mid-run: end the live line once, and redraw after.
        if (drawn) stream.write('\n');
        drawn = false;
      },
    };
  }
  let lastMs = -Infinity;
  return {
    update(p) {
      if (p.elapsedMs - lastMs < 10_000) return;
      lastMs = p.elapsedMs;
      stream.write(`${formatProgress(p)}\n`);
    },
    done() {},
  };
}
