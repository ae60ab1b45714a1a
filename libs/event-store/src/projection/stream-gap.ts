import type { JetStreamManager } from '@nats-io/jetstream';

/**
 * A projection's next batch starts past an event it has not applied: that event is still in the
 * hands of a process that died (until its ack wait lapses) or of another replica. Never poison: the
 * batch goes back and waits for it.
 */
export class StreamGap extends Error {
  override readonly name = 'StreamGap';
}

/**
 * Throws StreamGap when the stream holds an event on `subjects` after `checkpoint` that is missing
 * from `seqs` (the sorted sequences of the batch about to be applied, all above the checkpoint).
 * Applying the batch would move the checkpoint past that event, and its redelivery would then be
 * taken for a repeat and dropped. Consecutive sequences need no lookup; a jump costs one direct get
 * per subject (a filtered consumer skips other subjects' events, which is not a gap).
 */
export async function assertNoGap(jsm: JetStreamManager, stream: string, subjects: string[], checkpoint: number, seqs: number[]): Promise<void> {
  let previous = checkpoint;
  for (const seq of seqs) {
    if (seq > previous + 1) {
      for (const subject of subjects) {
        const next = await jsm.direct.getMessage(stream, { seq: previous + 1, next_by_subj: subject });
        if (next && next.seq < seq) {
          throw new StreamGap(`event ${next.seq} on ${next.subject} comes after ${previous} and is not applied yet; event ${seq} waits for it`);
        }
      }
    }
    previous = seq;
  }
}
