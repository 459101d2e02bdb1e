import { readFileSync } from 'node:fs';

/** wsload's version, read from package.json next to dist/ so it never drifts. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;
