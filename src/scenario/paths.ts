/**
 * Where a path written in a scenario (a TLS file, the identities file) is opened: relative paths
 * are relative to the scenario file's directory, as the rules check them and the run opens them.
 * Its own module so the rules and normalization both use it without importing each other.
 */
import { resolve as resolvePath } from 'node:path';

/** A path from the scenario as the runtime opens it: absolute, relative to the scenario's directory. */
export function resolveScenarioPath(baseDir: string, file: string): string {
  return resolvePath(baseDir, file);
}
