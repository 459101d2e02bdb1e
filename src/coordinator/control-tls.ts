/**
 * The control channel's TLS files (the coordinator's certificate and key, an agent's CA), checked
 * the way the scenario's are before anything listens or dials: a file that is missing, a
 * directory, not PEM, or a key that is not the certificate's is one line naming the flag or
 * option that gave it, not a crash when the listener or the first dial loads it.
 */
import { tlsFileIssues } from '../scenario/tls-files.js';

/** What each file is called in a message: the flag (`--control-cert`) or the option (`agents.tls.cert (option)`). */
export interface ControlTlsNames {
  ca: string;
  cert: string;
  key: string;
}

const RELATIVE = 'paths are relative to the working directory';

/** The first problem with the given files as "NAME: problem", or null when every one loads. */
export function controlTlsProblem(files: { ca?: string; cert?: string; key?: string }, names: ControlTlsNames): string | null {
  const issue = tlsFileIssues(files, RELATIVE)[0];
  if (!issue) return null;
  const key = issue.path.replace(/^tls\./, '') as keyof ControlTlsNames;
  // The scenario's wording names tls.cert; here the certificate came from a flag or an option.
  return `${names[key]}: ${issue.message.replace('of tls.cert ', `of ${names.cert} `)}`;
}
