/**
 * The rules of the target's texts (URL, headers, open messages): the identities file read and
 * counted against connections, every placeholder one the scenario can fill, a value a header can
 * carry, and open steps whose reject or timeout need an acknowledgement to wait for.
 */
import { protocolTexts } from './protocol-rules.js';
import { resolveScenarioPath } from './paths.js';
import type { Issue } from '../errors.js';
import { envNames, envValue, fillEnv, hasEnvRef } from '../run/env-refs.js';
import { placeholderNames } from '../run/placeholders.js';
import { BAD_HEADER_VALUE, type PartialScenario } from './schema.js';
import { readIdentities, type IdentityTable } from './identities-file.js';

/** Each text of the target that may hold placeholders, with its JSON path. */
function templatedTexts(w: PartialScenario): { path: string; text: string; header: boolean }[] {
  const t = w.target;
  if (!t || t === 'embedded') return [];
  const out = [{ path: 'target.url', text: t.url, header: false }];
  for (const [name, value] of Object.entries(t.headers))
    out.push({
      path: `target.headers${/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`}`,
      text: value,
      header: true,
    });
  t.open.forEach((step, i) =>
    out.push({
      path: `target.open[${i}].send`,
      text: typeof step.send === 'string' ? step.send : JSON.stringify(step.send),
      header: false,
    }),
  );
  out.push(...protocolTexts(w));
  return out;
}

export function openStepIssues(w: PartialScenario): Issue[] {
  const t = w.target;
  if (!t || t === 'embedded') return [];
  const issues: Issue[] = [];
  t.open.forEach((step, i) => {
    if (step.ack !== undefined) return;
    if (step.reject !== undefined)
      issues.push({
        path: `target.open[${i}].reject`,
        message: 'requires "ack": a reject match only applies while waiting for an acknowledgement',
      });
    if (step.timeout !== undefined)
      issues.push({ path: `target.open[${i}].timeout`, message: 'requires "ack": the timeout bounds the wait for an acknowledgement' });
  });
  return issues;
}

/**
 * The identities file (read and parsed, counted against connections) and every placeholder: an
 * identity field the file lacks, identities used without a file, a value that cannot go in a header.
 */
export function identityIssues(w: PartialScenario, baseDir: string, env: Readonly<Record<string, string | undefined>>): Issue[] {
  const issues: Issue[] = [];
  let table: IdentityTable | null = null;
  let file = '';
  // A path from the environment ({env.DIR}/users.csv) is read filled in and named as written:
  // messages never show a value taken from the environment. One not set is envIssues' to report.
  const written = w.identities?.file ?? '';
  const unset = envNames(written).some((name) => envValue(env, name) === undefined);
  if (w.identities && !unset) {
    const path = resolveScenarioPath(baseDir, fillEnv(written, env));
    file = hasEnvRef(written) ? written : path;
    const read = readIdentities(path);
    if ('message' in read) issues.push({ path: 'identities.file', message: read.message.replaceAll(path, file) });
    else table = read;
    if (table && w.connections !== undefined && table.rows.length < w.connections && !w.identities.reuse) {
      issues.push({
        path: 'identities.file',
        message: `${file} has ${table.rows.length} identit${table.rows.length === 1 ? 'y' : 'ies'} for ${w.connections} connections; expected at least ${w.connections}, or "reuse": true to hand them out round robin`,
      });
    }
  }
  for (const { path, text, header } of templatedTexts(w)) {
    for (const name of new Set(placeholderNames(text))) {
      if (name === 'topic') {
        if (w.topics === undefined)
          issues.push({
            path,
            message:
              '"{topic}" is not available: this scenario assigns no topics to sockets; expected a top-level "topics" key, or "{conn}", "{cohort}" or "{identity.FIELD}"',
          });
        continue;
      }
      if (!name.startsWith('identity.')) continue;
      const field = name.slice('identity.'.length);
      if (!w.identities) {
        issues.push({ path, message: `uses "{${name}}" but the scenario has no identities; expected an "identities": {"file": …} key` });
        continue;
      }
      if (!table) continue; // the file's own issue says why
      const at = table.fields.indexOf(field);
      if (at < 0) {
        issues.push({ path, message: `uses "{${name}}" but ${file} has no field "${field}" (it has ${table.fields.join(', ')})` });
        continue;
      }
      if (header) {
        const bad = table.rows.findIndex((row) => BAD_HEADER_VALUE.test(row[at]));
        if (bad >= 0)
          issues.push({
            path,
            message: `identity ${bad + 1} of ${file} has a "${field}" with CR, LF or another control character, which cannot go in a header`,
          });
      }
    }
  }
  return issues;
}
