/**
 * The test helpers the bench shares (real servers: the protocol servers, RabbitMQ web-STOMP), one
 * copy of each: test/helpers is TypeScript and not built into dist/, so the hooks of
 * bench/ts-hooks.mjs transpile a helper when it is imported. Works the same under `npm run bench`
 * and `node bench/run.js` (devDependencies installed, as the bench needs anyway). The hooks are
 * registered at the first helper imported, so a bench run that needs none pays nothing for them.
 */
import { register } from 'node:module';

let registered = false;

/** The module test/helpers/<name>.ts. */
export function testHelper(name) {
  if (!registered) {
    register('./ts-hooks.mjs', import.meta.url);
    registered = true;
  }
  return import(new URL(`../test/helpers/${name}.ts`, import.meta.url).href);
}
