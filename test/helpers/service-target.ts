/**
 * The loopback push service of the real-service tests: the shipped one (src/target/service.ts,
 * `wsload serve --service`; its header comment has the protocol), on a free port, keeping every
 * message sockets send for the tests' assertions. Tests publish with the token "publish-secret"
 * unless they pass their own; the shipped scenarios' "change-me" is the service's own default.
 */
import { startService, type RunningService, type ServiceOptions } from '../../src/target/service.js';

/** Options of startServiceTarget: the service's own (src/target/service.ts). */
export type ServiceTargetOptions = Omit<ServiceOptions, 'host' | 'port' | 'recordMessages'>;

/** A running service target. */
export type ServiceTarget = RunningService;

/** Starts the service on 127.0.0.1:0. */
export function startServiceTarget(opts: ServiceTargetOptions = {}): Promise<ServiceTarget> {
  return startService({ publishToken: 'publish-secret', ...opts, recordMessages: true });
}
