/**
 * Checks an output path before any work starts, so a night's run never ends in a file it cannot
 * write or in one of its own inputs overwritten. The check creates and removes one probe file in
 * the nearest existing directory: permission bits alone say nothing for root, read-only mounts,
 * /proc or /sys, and only a real create answers for all of them.
 */
import { closeSync, openSync, realpathSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { TlsOptions } from '../run/scenario.js';
import { sidecarPaths, writeTextAtomic } from './write.js';

/** An input of the command that an output must never overwrite, with what to call it. */
export interface NamedInput {
  path: string;
  /** "the scenario file", "the report read", "an input report". */
  role: string;
}

/** A file the command will write, with what to call it in a message. */
export interface OutputFile {
  path: string;
  /** Null for the file the flag names; "its timeline" for a file written beside it. */
  role: string | null;
}

/**
 * Throws a one-line UsageError (exit 2) naming `flag` when `outputs[0]` (the file the flag names)
 * or a file written beside it is empty, a directory, an input, or cannot be created.
 */
export function checkOutputPaths(flag: string, outputs: readonly OutputFile[], inputs: readonly NamedInput[]): void {
  const main = outputs[0]?.path ?? '';
  if (main === '') throw new UsageError(`${flag}: empty path`);
  const fail = (problem: string): never => {
    throw new UsageError(`${flag} ${main}: ${problem}`);
  };
  for (const out of outputs) {
    const prefix = out.role === null ? '' : `its ${out.role} ${out.path} `;
    if (isDirectory(out.path)) fail(`${prefix}is a directory`);
    const same = inputs.find((i) => samePath(i.path, out.path));
    if (same) fail(`${prefix}is ${same.role}; refusing to overwrite it`);
  }
  const problem = creatableProblem(main);
  if (problem) fail(problem);
}

/** Checks one output file with no sidecars. */
export function checkOutputPath(flag: string, path: string, inputs: readonly NamedInput[]): void {
  checkOutputPaths(flag, [{ path, role: null }], inputs);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Same file: same resolved real path, or (for a file not yet there) same resolved path. */
function samePath(a: string, b: string): boolean {
  return canonical(a) === canonical(b);
}

function canonical(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    // Not there yet: resolve its directory, which may be a symlink to the input's.
    try {
      return join(realpathSync(dirname(abs)), basename(abs));
    } catch {
      return abs;
    }
  }
}

/** Why a file at `path` could not be created (or rewritten), or null if it can. */
function creatableProblem(path: string): string | null {
  // The nearest ancestor that exists decides: the rest is created with mkdir -p at write time.
  let dir = dirname(resolve(path));
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      const up = dirname(dir);
      if (up === dir) return `no directory of it exists`;
      dir = up;
      continue;
    }
    if (!isDir) return `${dir} is not a directory`;
    break;
  }
  const probe = join(dir, `.${basename(path)}.${process.pid}.probe`);
  try {
    closeSync(openSync(probe, 'wx'));
  } catch (err) {
    return `cannot create files in ${dir} (${errorCode(err)})`;
  }
  try {
    unlinkSync(probe);
  } catch {
    // Created but not removable: the directory is writable, which is what was asked.
  }
  return null;
}

function errorCode(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? (err instanceof Error ? err.message : String(err));
}

/**
 * Checks a run's report path and the .ndjson/.hlog written beside it; none may be a directory or
 * one of the run's inputs (the scenario file, its TLS files, its identities file). `flag` names
 * the setting in messages: "--out", or "out (option)" for the library.
 */
export function checkRunOutputs(
  flag: string,
  reportFile: string,
  scenarioFile: string | null,
  tls: Pick<TlsOptions, 'ca' | 'cert' | 'key'>,
  identitiesFile: string | null = null,
): void {
  const sidecars = sidecarPaths(reportFile);
  // Null: a scenario given as an object (the library), with no file of its own to protect.
  const inputs: NamedInput[] = scenarioFile === null ? [] : [{ path: scenarioFile, role: 'the scenario file' }];
  if (identitiesFile) inputs.push({ path: identitiesFile, role: "the scenario's identities file" });
  if (tls.ca) inputs.push({ path: tls.ca, role: "the scenario's tls.ca" });
  if (tls.cert) inputs.push({ path: tls.cert, role: "the scenario's tls.cert" });
  if (tls.key) inputs.push({ path: tls.key, role: "the scenario's tls.key" });
  checkOutputPaths(
    flag,
    [
      { path: reportFile, role: null },
      { path: sidecars.timeline, role: 'timeline' },
      { path: sidecars.hlog, role: 'histogram log' },
    ],
    inputs,
  );
}

/** Writes an output file atomically; a failure (disk full since the check) is one line naming the flag. */
export function writeOutputFile(flag: string, path: string, text: string): void {
  try {
    writeTextAtomic(path, text);
  } catch (err) {
    throw new UsageError(`${flag} ${path}: could not write it (${err instanceof Error ? err.message : String(err)})`);
  }
}
