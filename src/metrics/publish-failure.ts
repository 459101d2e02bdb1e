/**
 * Plain words for why a publish failed: the reasons every method shares here, the reasons of one
 * method (`http-503`, `ws-closed`, …) from its entry in run/publish-methods/.
 */
import { describeFailure } from './classify.js';
import { methodFailureWords } from '../run/publish-methods/table.js';

/** Reason counted for a publish request cut because the run stopped. */
export const PUBLISH_ABORTED = 'aborted';

/** Describes a publish failure reason as counted in `publish.failures`. */
export function describePublishFailure(reason: string): string {
  const own = methodFailureWords(reason, describeFailure);
  if (own !== null) return own;
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
