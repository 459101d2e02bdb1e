/**
 * The rules of how the sockets and the publisher dial: URL templates that stay URLs once filled,
 * TLS certificate and key together (and the files readable), source addresses this machine has
 * and of the target's address family.
 */
import { isIP } from 'node:net';
import { resolveScenarioPath } from './paths.js';
import type { Issue } from '../errors.js';
import { isLocalAddress } from '../net/local-addresses.js';
import { fillPublishUrl } from '../run/publish-url.js';
import type { PartialScenario } from './schema.js';
import { tlsFileIssues } from './tls-files.js';

export function tlsIssues(w: PartialScenario, baseDir: string, checkFiles: boolean): Issue[] {
  const issues = w.tls ? tlsObjectIssues(w.tls, 'tls', baseDir, checkFiles) : [];
  // An observe endpoint's own tls follows the same rules, located at observe[i].tls.
  (Array.isArray(w.observe) ? w.observe : []).forEach((e, i) => {
    if (e.tls) issues.push(...tlsObjectIssues(e.tls, `observe[${i}].tls`, baseDir, checkFiles));
  });
  return issues;
}

type WrittenTls = NonNullable<PartialScenario['tls']>;

/** Certificate and key together, and (with checkFiles) the files readable and parsed, at `at` ("tls", "observe[0].tls"). */
function tlsObjectIssues(tls: WrittenTls, at: string, baseDir: string, checkFiles: boolean): Issue[] {
  const issues: Issue[] = [];
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    const missing = tls.cert === undefined ? 'cert' : 'key';
    issues.push({
      path: `${at}.${missing}`,
      message: `required with ${at}.${missing === 'cert' ? 'key' : 'cert'}; expected a client certificate and key together`,
    });
  }
  if (checkFiles) {
    const abs = (file: string | undefined): string | undefined => (file === undefined ? undefined : resolveScenarioPath(baseDir, file));
    issues.push(...tlsFileIssues({ ca: abs(tls.ca), cert: abs(tls.cert), key: abs(tls.key) }, undefined, at));
  }
  return issues;
}

/** The IP address the sockets dial when validation can know it: the embedded target, an IP literal, or a `resolve` entry. */
function targetAddress(w: PartialScenario): string | null {
  if (w.target === undefined) return null;
  if (w.target === 'embedded') return '127.0.0.1'; // where startEmbeddedTarget listens
  let host: string;
  try {
    host = new URL(w.target.url.replaceAll('{conn}', '0')).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return null; // the schema reports the URL
  }
  const mapped = w.resolve?.[host] ?? Object.entries(w.resolve ?? {}).find(([name]) => name.toLowerCase() === host.toLowerCase())?.[1];
  const address = mapped ?? host;
  return isIP(address) !== 0 ? address : null;
}

export function localAddressIssues(w: PartialScenario, interfaces: readonly string[] | undefined): Issue[] {
  if (!w.localAddresses) return [];
  const issues: Issue[] = [];
  const target = targetAddress(w);
  const targetFamily = target === null ? 0 : isIP(target);
  w.localAddresses.forEach((address, i) => {
    // Binding an address the machine does not have fails every connect with EADDRNOTAVAIL.
    if (interfaces && !isLocalAddress(address, interfaces)) {
      issues.push({
        path: `localAddresses[${i}]`,
        message: `${address} is not an address of this machine (its interfaces have ${interfaces.join(', ') || 'none'}); expected a local address such as 127.0.0.2`,
      });
      return;
    }
    // An IPv6 source towards an IPv4 target (or the reverse) fails every connect with EINVAL.
    const family = isIP(address.replace(/%.*$/, ''));
    if (targetFamily !== 0 && family !== 0 && family !== targetFamily) {
      issues.push({
        path: `localAddresses[${i}]`,
        message: `${address} is IPv${family} but the target address ${target ?? ''} is IPv${targetFamily}; expected IPv${targetFamily} source addresses`,
      });
    }
  });
  return issues;
}

/** A URL template filled with one sample value per placeholder must still be a URL: a placeholder in the port takes numbers only. */
function filledUrlProblem(url: string, schemes: readonly string[]): string | null {
  try {
    const u = new URL(url);
    return schemes.includes(u.protocol) && u.hostname !== '' ? null : 'not a URL of the right scheme';
  } catch {
    return 'not a valid URL';
  }
}

export function urlTemplateIssues(w: PartialScenario): Issue[] {
  const issues: Issue[] = [];
  const p = w.publish;
  if (p && typeof p.url === 'string' && p.ids.length > 0) {
    const ids = p.ids.map(String);
    for (const [i, id] of ids.entries()) {
      if (ids.indexOf(id) !== i) continue;
      const filled = fillPublishUrl(p.url, [id], 1, 'validate');
      const problem = filledUrlProblem(filled, ['http:', 'https:']);
      if (problem) {
        issues.push({
          path: 'publish.url',
          message: `with id ${JSON.stringify(id)} (publish.ids[${i}]) it becomes ${JSON.stringify(filled)}, ${problem}; expected every id to give a valid URL (a port takes a number up to 65535)`,
        });
        break;
      }
    }
  }
  const t = w.target;
  if (t && t !== 'embedded' && w.connections !== undefined && t.url.includes('{conn}')) {
    for (const conn of [0, w.connections - 1]) {
      const filled = t.url.replaceAll('{conn}', String(conn));
      const problem = filledUrlProblem(filled, ['ws:', 'wss:']);
      if (problem) {
        issues.push({
          path: 'target.url',
          message: `for socket ${conn} it becomes ${JSON.stringify(filled)}, ${problem}; expected every socket index to give a valid URL`,
        });
        break;
      }
    }
  }
  return issues;
}
