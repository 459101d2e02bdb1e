/** How one publish leaves: the publisher keeps the schedule and the ring, a sender makes the request or sends the message. */

/** Called once per publish: null when it succeeded, else the failure reason counted in `publish.failures`. */
export type SendDone = (failure: string | null) => void;

/** Called once the publish is finished either way; `failed`: release what it still holds (an open request). */
export type SendRelease = (failed: boolean) => void;

/** One way of making publishes. */
export interface PublishSender {
  /**
   * Starts publish `seq` to `topic` (null without topics); `done` may be called at once (a publisher
   * socket known to be down). `left`, when the sender can tell, is called once the request has been
   * handed to the OS (again for a retry): a request that waited for a busy thread to connect left late.
   */
  send(seq: number, done: SendDone, topic: string | null, left?: () => void): SendRelease;
  /** Opens what must be open before the first publish (a publisher socket); resolves once open or failed, never rejects. */
  prepare?(): Promise<void>;
  /** Ends every connection the sender holds; publishes still pending are settled by the publisher. */
  close(): void;
}
