/** Plain words for why a publish request failed (not a handshake: these are HTTP requests to the publish API). */
import { describeFailure } from './classify.js';

/** Reason counted for a publish request cut because the run stopped. */
export const PUBLISH_ABORTED = 'aborted';

/** Describes a publish failure reason as counted in `publish.failures`. */
export function describePublishFailure(reason: string): string {
  if (reason.startsWith('http-')) return `HTTP ${reason.slice(5)}`;
  switch (reason) {
    case 'timeout':
      return 'request not answered within publish.timeout';
    case 'reset':
      return 'connection reset by the publish endpoint';
    case PUBLISH_ABORTED:
      return 'aborted when the run stopped';
    default:
      return describeFailure(reason);
  }
}
