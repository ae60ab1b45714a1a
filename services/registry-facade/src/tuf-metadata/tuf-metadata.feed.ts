import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, type EventStoreNaming } from '@keelson/event-store';
import { StreamFollower, type StreamFollowerOptions } from '../memory/stream-follower.js';
import type { TufMetadataMemory } from './tuf-metadata.memory.js';

export interface TufMetadataFeedOptions extends StreamFollowerOptions {
  nc: NatsConnection;
  naming: EventStoreNaming;
  memory: TufMetadataMemory;
  /** The last stream sequence the TUF read model applied (its checkpoint): the feed starts right after it. */
  appliedSeq: () => Promise<number>;
}

/**
 * Follows the signer's `ev.tuf.>` on every facade replica (an ordered, ephemeral consumer each), so
 * each replica's TufMetadataMemory forgets a fleet's changing answers as soon as the signer signs
 * for the fleet again. It starts right after the read model's checkpoint, so every event the
 * database may not have yet is announced, and after a failure it resumes after the last event it
 * saw. Only the subject is read (`ev.tuf.<fleet>.<id>`): the documents come from the database.
 */
export class TufMetadataFeed extends StreamFollower {
  private lastSeq: number | undefined;

  constructor(private readonly o: TufMetadataFeedOptions) {
    super(o);
  }

  protected override onLost(): void {
    this.o.memory.lost();
  }

  protected async followOnce(): Promise<void> {
    const { nc, naming, memory } = this.o;
    const from = this.lastSeq ?? (await this.o.appliedSeq());
    const prefix = `${naming.subjectPrefix}ev.tuf.`;
    const consumer = await jetstream(nc).consumers.get(`${naming.streamPrefix}${eventStreams.signer.name}`, {
      filter_subjects: `${prefix}>`,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from + 1,
      headers_only: true, // the subject and sequence are all it reads
    });
    if (this.stopped) return;
    this.messages = await consumer.consume();
    this.lastSeq = from;
    memory.following(from);
    for await (const m of this.messages) {
      const fleet = m.subject.startsWith(prefix) ? m.subject.slice(prefix.length).split('.')[0] : undefined;
      if (fleet) memory.announce(fleet, m.seq);
      this.lastSeq = m.seq;
    }
    memory.lost(); // closed: no longer following
  }
}
