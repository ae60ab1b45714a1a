import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ConcurrencyError } from '@keelson/domain-kit';
import { appendEvents, type AppendResult } from './append.js';
import { assertValidMetadata, readEventMetadata, type EventMetadata } from './headers.js';
import { lazyJetStreamManager } from './jetstream-manager.js';
import { readSubject } from './load.js';
import { aggregateSubject, type EventStoreNaming } from './naming.js';
import type { StreamDeclaration } from './streams.js';
import { isTypedAggregateSubject, typedSubject } from './typed-subjects.js';

/** An event as stored: the parsed event plus what JetStream and the headers say about it. */
export interface RecordedEvent<E> {
  event: E;
  seq: number;
  subject: string;
  time: Date;
  meta: EventMetadata;
}

/** The history of one aggregate and the sequence to expect on the next append (0 = new). */
export interface LoadedStream<E> {
  events: RecordedEvent<E>[];
  lastSeq: number;
}

export interface EventStoreOptions<E> {
  nc: NatsConnection;
  naming: EventStoreNaming;
  stream: StreamDeclaration;
  /** Parses (and upcasts) one stored event; throws on anything it does not know. */
  parse: (raw: unknown) => E;
}

const decoder = new TextDecoder();

/** Event-sourced persistence for the aggregates of one stream. */
export class EventStore<E extends { type: string }> {
  readonly streamName: string;
  private readonly jsm: () => Promise<JetStreamManager>;

  constructor(private readonly options: EventStoreOptions<E>) {
    this.streamName = `${options.naming.streamPrefix}${options.stream.name}`;
    this.jsm = lazyJetStreamManager(options.nc);
  }

  /** `ev.<aggregate>.<fleet>.<id>` with this store's prefix; validates every token. */
  subject(aggregate: string, fleet: string, id: string): string {
    return aggregateSubject(this.options.naming, aggregate, fleet, id);
  }

  /**
   * Loads the events of one aggregate, optionally only those after `afterSeq` (for cached state).
   * A typed aggregate's are read from its untyped subject and its typed ones, in stream order.
   */
  async load(subject: string, afterSeq = 0): Promise<LoadedStream<E>> {
    const jsm = await this.jsm();
    const messages = this.isTyped(subject)
      ? (
          await Promise.all([
            readSubject(jsm, this.streamName, subject, afterSeq),
            readSubject(jsm, this.streamName, `${subject}.*`, afterSeq),
          ])
        )
          .flat()
          .sort((a, b) => a.seq - b.seq)
      : await readSubject(jsm, this.streamName, subject, afterSeq);
    const events = messages.map((m) => ({
      event: this.options.parse(JSON.parse(decoder.decode(m.data))),
      seq: m.seq,
      subject: m.subject,
      time: m.time,
      meta: readEventMetadata(m.header),
    }));
    return { events, lastSeq: messages.at(-1)?.seq ?? afterSeq };
  }

  /**
   * Appends the events of one decision if the aggregate of `subject` is still at `expectedSeq` (the
   * `lastSeq` of a load); throws ConcurrencyError otherwise. Events are validated first, so the
   * stream never holds an invalid one.
   */
  async append(subject: string, expectedSeq: number, events: E[], meta: EventMetadata): Promise<AppendResult | null> {
    assertValidMetadata(meta);
    for (const e of events) this.options.parse(e);
    if (!this.isTyped(subject)) return appendEvents(this.options.nc, subject, expectedSeq, events, meta);
    const target = { subject, subjects: events.map((e) => typedSubject(subject, e.type)), expectSubject: `${subject}.*` };
    try {
      return await appendEvents(this.options.nc, target, expectedSeq, events, meta);
    } catch (err) {
      // `expectedSeq` may be an untyped event's: then no typed event existed when it was read, and the
      // check on the typed subjects expects 0 (see typed-subjects.ts).
      if (!(err instanceof ConcurrencyError) || expectedSeq === 0) throw err;
      try {
        return await appendEvents(this.options.nc, target, 0, events, meta);
      } catch (again) {
        throw again instanceof ConcurrencyError ? err : again;
      }
    }
  }

  private isTyped(subject: string): boolean {
    return isTypedAggregateSubject(this.options.stream, this.options.naming, subject);
  }
}
