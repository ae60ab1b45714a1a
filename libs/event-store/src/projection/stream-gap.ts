import type { JetStreamManager, JsMsg, MsgRequest } from '@nats-io/jetstream';

/**
 * A projection's batch reaches past an event it has not applied: that event is still in the hands
 * of a process that died (until its ack wait lapses) or of another replica. Never poison: what lies
 * past it goes back and waits for it.
 */
export class StreamGap extends Error {
  override readonly name = 'StreamGap';

  constructor(
    message: string,
    /** The stream sequence of the event waited for. */
    readonly missing: number,
  ) {
    super(message);
  }
}

/** Where a message sits in the stream and among the consumer's deliveries. */
export interface Delivery {
  seq: number;
  /** The consumer's delivery sequence: one more for every delivery, to anyone, redeliveries too. */
  consumerSeq: number;
  redelivered: boolean;
}

export function deliveryOf(m: JsMsg): Delivery {
  return { seq: m.seq, consumerSeq: m.info.deliverySequence, redelivered: m.redelivered };
}

/**
 * Two first deliveries one after the other: the consumer handed out nothing in between, and since it
 * hands out new messages in stream order, no event on its subjects lies between them.
 */
function followsDirectly(a: Delivery, b: Delivery): boolean {
  return !a.redelivered && !b.redelivered && b.consumerSeq === a.consumerSeq + 1;
}

/**
 * How many of `batch` (sorted by stream sequence, all above `checkpoint`) can be applied without
 * moving the checkpoint past an event on `subjects` that is not among them: applying past such an
 * event would make its redelivery look like a repeat, and it would be dropped. Also says which event
 * the rest waits for. `last` is the delivery applied last, if the runner knows it. Consecutive
 * sequences and first deliveries that follow each other need no lookup; any other jump costs one
 * get per subject from the stream's leader (a filtered consumer skips other subjects' events, which is not a gap),
 * counted by `lookups`.
 */
export async function gapFreePrefix(
  jsm: JetStreamManager,
  stream: string,
  subjects: string[],
  checkpoint: number,
  batch: Delivery[],
  last?: Delivery,
  lookups: { count: number } = { count: 0 },
): Promise<{ length: number; gap?: StreamGap }> {
  let previous: Delivery | undefined = last?.seq === checkpoint ? last : undefined;
  let previousSeq = checkpoint;
  for (const [i, d] of batch.entries()) {
    if (d.seq > previousSeq + 1 && !(previous && followsDirectly(previous, d))) {
      for (const subject of subjects) {
        lookups.count++;
        // Asked of the stream's leader: a follower that has not applied up to d.seq would answer "none" for
        // an event it has not applied yet, and the checkpoint would pass it (consistent-read.ts).
        const next = await jsm.streams.getMessage(stream, { seq: previousSeq + 1, next_by_subj: subject } as MsgRequest);
        if (next && next.seq < d.seq) {
          const gap = new StreamGap(
            `event ${next.seq} on ${next.subject} is not applied yet: ${batch.length - i} later event(s) from ${d.seq} wait for it`,
            next.seq,
          );
          return { length: i, gap };
        }
      }
    }
    previous = d;
    previousSeq = d.seq;
  }
  return { length: batch.length };
}
