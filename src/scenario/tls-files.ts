/**
 * Reads and parses the scenario's TLS files at validation, the way the run would load them, so a
 * directory, an unreadable file, a bundle without certificates or a key that does not match its
 * certificate is one line naming the key, not a failure of every socket mid-run.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Issue } from '../errors.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----/g;

/** OpenSSL's reason without its "error:0480006C:PEM routines::" prefix ("no start line"). */
function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const at = message.lastIndexOf('::');
  return at >= 0 ? message.slice(at + 2) : message;
}

/** Where relative paths of the scenario's TLS files resolve, said when one is not found. */
const SCENARIO_RELATIVE = 'paths are relative to the scenario file';

/** The file's text, or an issue saying why it cannot be read as a file. */
function readPem(key: string, file: string, relative: string, at: string): string | Issue {
  const path = `${at}.${key}`;
  try {
    if (!statSync(file).isFile()) return { path, message: `${file} is a directory, not a file; expected a PEM file (${relative})` };
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { path, message: `file not found: ${file}; expected a PEM file (${relative})` };
    return { path, message: `cannot read ${file} (${code ?? reason(err)}); expected a readable PEM file` };
  }
}

function caIssue(file: string, text: string, at: string): Issue | null {
  // Node silently trusts nothing when a CA bundle holds no certificate: every handshake would fail.
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0)
    return { path: `${at}.ca`, message: `no certificate in ${file}; expected a PEM bundle of "-----BEGIN CERTIFICATE-----" blocks` };
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (err) {
      return {
        path: `${at}.ca`,
        message: `certificate ${i + 1} of ${blocks.length} in ${file} does not parse (${reason(err)}); expected PEM certificates`,
      };
    }
  }
  return null;
}

function parseIssue(key: 'ca' | 'cert' | 'key', file: string, text: string, at: string): Issue | null {
  try {
    if (key === 'ca') return caIssue(file, text, at);
    if (key === 'cert') new X509Certificate(text);
    else createPrivateKey(text);
    return null;
  } catch (err) {
    const what = key === 'cert' ? 'a PEM certificate' : 'an unencrypted PEM private key';
    return { path: `${at}.${key}`, message: `${file} does not parse as ${what} (${reason(err)})` };
  }
}

/**
 * Issues with the TLS files (absolute paths) of a scenario, in key order ca, cert, key, located at
 * tls.ca, tls.cert, tls.key; `relative` says where relative paths resolve (the control channel's
 * flags reuse this with the working directory); `at` is the object's path (`observe[0].tls`).
 */
export function tlsFileIssues(files: { ca?: string; cert?: string; key?: string }, relative = SCENARIO_RELATIVE, at = 'tls'): Issue[] {
  const issues: Issue[] = [];
  const parsed: { cert?: string; key?: string } = {};
  for (const key of ['ca', 'cert', 'key'] as const) {
    const file = files[key];
    if (file === undefined) continue;
    const read = readPem(key, file, relative, at);
    const issue = typeof read === 'string' ? parseIssue(key, file, read, at) : read;
    if (issue) issues.push(issue);
    else if (key !== 'ca' && typeof read === 'string') parsed[key] = read;
  }
  if (parsed.cert !== undefined && parsed.key !== undefined) {
    try {
      createSecureContext({ cert: parsed.cert, key: parsed.key });
    } catch (err) {
      issues.push({
        path: `${at}.key`,
        message: `${files.key ?? 'the key'} is not the private key of ${at}.cert ${files.cert ?? ''} (${reason(err)})`,
      });
    }
  }
  return issues;
}
