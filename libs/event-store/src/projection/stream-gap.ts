import type { JetStreamManager } from '@nats-io/jetstream';

/**
 * A projection's batch reaches past an event it has not applied: that event is still in the hands
 * of a process that died (until its ack wait lapses) or of another replica. Never poison: what lies
 * past it goes back and waits for it.
 */
export class StreamGap extends Error {
  override readonly name = 'StreamGap';
}

/**
 * How many of `seqs` (the sorted sequences of a batch, all above `checkpoint`) can be applied
 * without moving the checkpoint past an event on `subjects` that is not among them: applying past
 * such an event would make its redelivery look like a repeat, and it would be dropped. Also says
 * which event the rest waits for. Consecutive sequences need no lookup; a jump costs one direct get
 * per subject (a filtered consumer skips other subjects' events, which is not a gap).
 */
export async function gapFreePrefix(
  jsm: JetStreamManager, stream: string, subjects: string[], checkpoint: number, seqs: number[],
): Promise<{ length: number; gap?: StreamGap }> {
  let previous = checkpoint;
  for (const [i, seq] of seqs.entries()) {
    if (seq > previous + 1) {
      for (const subject of subjects) {
        const next = await jsm.direct.getMessage(stream, { seq: previous + 1, next_by_subj: subject });
        if (next && next.seq < seq) {
          const gap = new StreamGap(`event ${next.seq} on ${next.subject} is not applied yet: ${seqs.length - i} later event(s) from ${seq} wait for it`);
          return { length: i, gap };
        }
      }
    }
    previous = seq;
  }
  return { length: seqs.length };
}
