/** Plain words for why a publish failed: an HTTP request to the publish API, or a message on the publisher socket (`ws-…`). */
import { describeFailure } from './classify.js';

/** Reason counted for a publish request cut because the run stopped. */
export const PUBLISH_ABORTED = 'aborted';

/** Describes a publish failure reason as counted in `publish.failures`. */
export function describePublishFailure(reason: string): string {
  if (reason.startsWith('http-')) return `HTTP ${reason.slice(5)}`;
  // publish.via "websocket": the publisher socket (publisher/ws-sender.ts).
  if (reason === 'ws-closed') return 'the publisher socket closed before the message was written or acknowledged';
  if (reason.startsWith('ws-')) return `the publisher socket did not open: ${describeFailure(reason.slice(3))}`;
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
