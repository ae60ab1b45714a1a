import { DeliverPolicy, jetstream, type Consumer, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/** One stored event as a feed hands it on: parsed, with its stream sequence and time. */
export interface FedEvent<E> {
  seq: number;
  time: string;
  event: E;
}

export interface FeedOptions<E> {
  stream: string;
  /** One subject, or several read as one feed in stream order. */
  subject: string | readonly string[];
  /** Start at this time; from the first event of the subject when absent. */
  since?: string;
  /** Parses and upcasts a stored event; a message it throws on is skipped (another version's problem, not the stream's). */
  parse: (raw: unknown) => E;
}

const decoder = new TextDecoder();

/**
 * Reads a subject in order through an ordered consumer: ephemeral, no acks, recreated by the client
 * after a gap, and removed by the server once nobody pulls. Closing stops it at once.
 */
export class EventFeed<E> {
  private consumer: Consumer | undefined;
  private messages: ConsumerMessages | undefined;
  private closed = false;
  /** Messages of the filter not yet delivered when the last one was; 0 = it had caught up then. */
  lastPending: number | undefined;
  /** When the last message arrived (ms since the epoch), 0 before the first. */
  lastDeliveryAt = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: FeedOptions<E>,
  ) {}

  async *events(): AsyncGenerator<FedEvent<E>> {
    const { stream, subject, since } = this.options;
    this.consumer = await jetstream(this.nc).consumers.get(stream, {
      filter_subjects: typeof subject === 'string' ? subject : [...subject],
      ...(since ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: since } : { deliver_policy: DeliverPolicy.All }),
    });
    if (this.closed) return void (await this.deleteConsumer());
    this.messages = await this.consumer.consume();
    for await (const m of this.messages) {
      this.lastPending = m.info.pending;
      this.lastDeliveryAt = Date.now();
      const fed = this.read(m);
      if (fed) yield fed;
    }
  }

  /** True when the server has had nothing for this feed at all so far (no message sent, none pending). */
  async isEmptyOnServer(): Promise<boolean> {
    if (!this.consumer || this.lastDeliveryAt) return false;
    const info = await this.consumer.info().catch(() => undefined);
    return info !== undefined && info.num_pending === 0 && info.delivered.consumer_seq === 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.messages?.close();
    await this.deleteConsumer();
  }

  // The server would drop an idle ordered consumer only after minutes; a closed stream drops it now.
  private async deleteConsumer(): Promise<void> {
    await this.consumer?.delete().catch(() => false);
  }

  private read(m: JsMsg): FedEvent<E> | undefined {
    try {
      const event = this.options.parse(JSON.parse(decoder.decode(m.data)));
      return { seq: m.seq, time: m.time.toISOString(), event };
    } catch {
      return undefined;
    }
  }
}
