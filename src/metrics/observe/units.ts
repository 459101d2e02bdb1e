/**
 * Quantities written in observe thresholds and tolerances: a number with an optional byte unit
 * (B, KB, MB, GB, TB; 1024-based, as every MB wsload reports: RSS is bytes / 1,048,576) and, for
 * slopes, a time unit ("1MB/h", "300/min", "2KB/s"). Slopes are per hour inside wsload.
 */
const BYTES: Record<string, number> = {
  '': 1,
  B: 1,
  KB: 1024,
  KiB: 1024,
  MB: 1024 ** 2,
  MiB: 1024 ** 2,
  GB: 1024 ** 3,
  GiB: 1024 ** 3,
  TB: 1024 ** 4,
  TiB: 1024 ** 4,
};
const PER: Record<string, number> = { s: 3600, min: 60, m: 60, h: 1, d: 1 / 24 };

/** A value's unit ("MB") → its scale; undefined when it is no byte unit. */
export function byteScale(unit: string): number | undefined {
  return BYTES[unit];
}

/** A slope's unit ("MB/h", "/min", "h" for a bare per hour) → scale to per hour; undefined when it is none. */
export function perHourScale(unit: string): number | undefined {
  const m = /^([A-Za-z]*)\/(s|min|m|h|d)$/.exec(unit);
  if (!m) return unit === '' ? 1 : undefined;
  const b = BYTES[m[1]];
  return b === undefined ? undefined : b * PER[m[2]];
}

/** "1MB/h" → bytes per hour; a bare number is per hour. */
export function parsePerHour(text: string): number | { error: string } {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([A-Za-z]*(?:\/[A-Za-z]+)?)\s*$/.exec(text);
  const scale = m ? perHourScale(m[2]) : undefined;
  if (!m || scale === undefined)
    return { error: `expected a growth per hour like "1MB/h", "500KB/min" or "10/h", got ${JSON.stringify(text)}` };
  return Number(m[1]) * scale;
}

/** A memory growth ("20MB/h", "500KB/min") → MB per hour; undefined when it is not one, has no byte unit or is not above 0. */
export function memoryFlatMbPerHour(text: string): number | undefined {
  const m = /^\s*[\d.]+\s*([A-Za-z]+)\//.exec(text);
  if (!m || BYTES[m[1]] === undefined) return undefined;
  const v = parsePerHour(text);
  return typeof v === 'number' && v > 0 && Number.isFinite(v) ? v / 1024 ** 2 : undefined;
}
