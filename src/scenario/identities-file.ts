/**
 * Reads the identities file at load (like the TLS files): CSV with a header row of field names,
 * or JSON lines of flat objects. A bad file is one message naming the file and the line, so it
 * never surfaces mid-run as sockets sent with an empty token.
 */
import { readFileSync, statSync } from 'node:fs';

/** Identities as read: field names and one row of values (parallel to fields) per identity. */
export interface IdentityTable {
  fields: string[];
  rows: string[][];
}

const FIELD_NAME = /^[A-Za-z0-9_-]+$/;

/** Splits one CSV line (RFC 4180 quoting, no line breaks inside quotes); null when a quote is unterminated. */
export function splitCsvLine(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= line.length) return null;
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += line[i++];
      }
      out.push(value);
      if (i < line.length && line[i] !== ',') return null;
    } else {
      const end = line.indexOf(',', i);
      out.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length : end;
    }
    if (i >= line.length) return out;
    i++; // the comma
  }
}

function fieldNameProblem(name: string, seen: readonly string[]): string | null {
  if (!FIELD_NAME.test(name)) return `field name ${JSON.stringify(name)} is not letters, digits, "_" or "-"`;
  if (seen.includes(name)) return `field name "${name}" appears twice`;
  return null;
}

function parseCsv(lines: readonly string[]): IdentityTable | { line: number; message: string } {
  const header = lines.findIndex((l) => l.trim() !== '');
  if (header < 0) return { line: 1, message: 'no header row; expected field names like "user,token"' };
  const fields = splitCsvLine(lines[header]);
  if (fields === null) return { line: header + 1, message: 'unterminated quote in the header row' };
  for (const [i, name] of fields.entries()) {
    const problem = fieldNameProblem(
      name.trim(),
      fields.slice(0, i).map((f) => f.trim()),
    );
    if (problem) return { line: header + 1, message: `${problem}; expected a header row of field names` };
  }
  const names = fields.map((f) => f.trim());
  const rows: string[][] = [];
  for (let n = header + 1; n < lines.length; n++) {
    if (lines[n].trim() === '') continue;
    const values = splitCsvLine(lines[n]);
    if (values === null) return { line: n + 1, message: 'unterminated or misplaced quote' };
    if (values.length !== names.length)
      return { line: n + 1, message: `${values.length} values, expected ${names.length} (${names.join(', ')})` };
    rows.push(values);
  }
  return { fields: names, rows };
}

function parseJsonLines(lines: readonly string[]): IdentityTable | { line: number; message: string } {
  let fields: string[] | null = null;
  const rows: string[][] = [];
  for (let n = 0; n < lines.length; n++) {
    if (lines[n].trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(lines[n]);
    } catch (err) {
      return { line: n + 1, message: `invalid JSON (${(err as Error).message.replace(/ in JSON at position.*$/s, '')})` };
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return { line: n + 1, message: 'expected a JSON object like {"user": "u1", "token": "t1"}' };
    const record = value as Record<string, unknown>;
    if (fields === null) {
      fields = Object.keys(record);
      for (const [i, name] of fields.entries()) {
        const problem = fieldNameProblem(name, fields.slice(0, i));
        if (problem) return { line: n + 1, message: problem };
      }
    }
    const row: string[] = [];
    for (const name of fields) {
      const v = record[name];
      if (v === undefined) return { line: n + 1, message: `no "${name}" (the first identity has ${fields.join(', ')})` };
      if (v !== null && typeof v === 'object')
        return { line: n + 1, message: `"${name}" is an object or array; expected a string, number or boolean` };
      row.push(v === null ? '' : String(v));
    }
    rows.push(row);
  }
  return { fields: fields ?? [], rows };
}

/** Reads an identities file (absolute path): the table, or one message naming the file (and line). */
export function readIdentities(file: string): IdentityTable | { message: string } {
  let text: string;
  try {
    if (!statSync(file).isFile())
      return { message: `${file} is a directory, not a file; expected a .csv or .jsonl file (paths are relative to the scenario file)` };
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      return { message: `file not found: ${file}; expected a .csv or .jsonl file (paths are relative to the scenario file)` };
    return { message: `cannot read ${file} (${code ?? (err as Error).message})` };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/);
  const parsed = /\.csv$/i.test(file) ? parseCsv(lines) : parseJsonLines(lines);
  if ('line' in parsed) return { message: `${file} line ${parsed.line}: ${parsed.message}` };
  if (parsed.rows.length === 0)
    return { message: `${file} holds no identities; expected at least one row after the header (CSV) or one JSON object per line` };
  return parsed;
}
