import { DeliverPolicy, jetstream, type ConsumerMessages, type ConsumerNotification } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, type EventStoreNaming } from '@keelson/event-store';
import type { RootCache } from './root-cache.js';

export interface RootFeedOptions {
  nc: NatsConnection;
  naming: EventStoreNaming;
  cache: RootCache;
  onError?: (err: unknown) => void;
  /** Pause before following again after a failure; it doubles up to 10 s. */
  retryMs?: number;
}

// What says the consumer may have missed or may miss news: what the cache holds is forgotten.
const disrupted = new Set<ConsumerNotification['type']>([
  'heartbeats_missed',
  'consumer_not_found',
  'stream_not_found',
  'consumer_deleted',
  'reset',
  'no_responders',
]);

/**
 * Follows the signer's `ev.tuf.>` (an ordered, ephemeral, headers-only consumer: only the subject
 * `ev.tuf.<fleet>.repository` is read) and announces each event's fleet to the RootCache, so the
 * gateway forgets a fleet's root as soon as the signer changes the fleet's repository. It follows
 * from its start on (nothing kept before it is older than it), and again after any failure.
 */
export class RootFeed {
  private messages: ConsumerMessages | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(private readonly o: RootFeedOptions) {}

  start(): void {
    this.running = this.follow();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.o.cache.lost();
    await this.messages?.close();
    await this.running;
  }

  private async follow(): Promise<void> {
    let pause = this.o.retryMs ?? 1_000;
    while (!this.stopped) {
      try {
        await this.followOnce();
      } catch (err) {
        if (this.stopped) return;
        this.o.onError?.(err);
      }
      this.o.cache.lost();
      if (this.stopped) return;
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 10_000);
    }
  }

  private async followOnce(): Promise<void> {
    const { nc, naming, cache } = this.o;
    const prefix = `${naming.subjectPrefix}ev.tuf.`;
    const consumer = await jetstream(nc).consumers.get(`${naming.streamPrefix}${eventStreams.signer.name}`, {
      filter_subjects: `${prefix}>`,
      deliver_policy: DeliverPolicy.New,
      headers_only: true,
    });
    if (this.stopped) return;
    this.messages = await consumer.consume();
    void this.watch(this.messages);
    cache.following();
    for await (const m of this.messages) {
      const fleet = m.subject.slice(prefix.length).split('.')[0];
      if (fleet) cache.announce(fleet);
    }
  }

  // A disruption forgets what is kept and keeps nothing until the consumer is back: recreated, it
  // goes on right after the last event it delivered, so every event from then on is announced again.
  private async watch(messages: ConsumerMessages): Promise<void> {
    for await (const status of messages.status()) {
      if (disrupted.has(status.type)) this.o.cache.lost();
      if (status.type !== 'ordered_consumer_recreated' || this.stopped) continue;
      this.o.cache.lost();
      this.o.cache.following();
    }
  }
}
