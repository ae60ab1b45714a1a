import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ConcurrencyError } from '@keelson/domain-kit';
import { appendEvents, type AppendResult } from './append.js';
import { assertValidMetadata, readEventMetadata, type EventMetadata } from './headers.js';
import { lazyJetStreamManager } from './jetstream-manager.js';
import { leaderLastSeq, readSubjects, readThrough } from './consistent-read.js';
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

/** What a load must have seen (see consistent-read.ts): without either, any replica's answer is taken. */
export interface LoadOptions {
  /** A sequence known to be stored for this aggregate (the caller's own append): read until it is seen. */
  through?: number;
  /** Read until the stream leader's last event of the aggregate is seen (one more request, to the leader). */
  latest?: boolean;
}

const decoder = new TextDecoder();
/** How long a stream's replica count is trusted before it is asked again (a stream can be scaled). */
const replicasTtlMs = 30_000;

/** Event-sourced persistence for the aggregates of one stream. */
export class EventStore<E extends { type: string }> {
  readonly streamName: string;
  private readonly jsm: () => Promise<JetStreamManager>;
  private replicas?: { replicated: Promise<boolean>; until: number };

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
   * A typed aggregate's are read from its untyped subject and its typed ones, in stream order. On a
   * replicated stream a load may miss the newest events unless `options` says what it must have seen.
   */
  async load(subject: string, afterSeq = 0, options: LoadOptions = {}): Promise<LoadedStream<E>> {
    const jsm = await this.jsm();
    const subjects = this.subjectsOf(subject);
    const [first, leaderSeq] = await Promise.all([
      readSubjects(jsm, this.streamName, subjects, afterSeq),
      options.latest ? this.leaderSeqIfReplicated(subjects) : 0,
    ]);
    const through = Math.max(options.through ?? 0, leaderSeq);
    const messages = through > 0 ? await readThrough(jsm, this.streamName, subjects, afterSeq, through, first) : first;
    const events = messages.map((m) => ({
      event: this.options.parse(JSON.parse(decoder.decode(m.data))),
      seq: m.seq,
      subject: m.subject,
      time: m.time,
      meta: readEventMetadata(m.header),
    }));
    return { events, lastSeq: messages.at(-1)?.seq ?? afterSeq };
  }

  /** The last sequence of the aggregate as the stream's leader has it (0: none, or a stream of one replica: no need to ask). */
  async latestSeq(subject: string): Promise<number> {
    return this.leaderSeqIfReplicated(this.subjectsOf(subject));
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

  private subjectsOf(subject: string): string[] {
    return this.isTyped(subject) ? [subject, `${subject}.*`] : [subject];
  }

  /** A stream of one replica answers every read from its only copy: asking its leader again adds nothing. */
  private async leaderSeqIfReplicated(subjects: string[]): Promise<number> {
    const jsm = await this.jsm();
    if (!this.replicas || this.replicas.until < Date.now()) {
      const replicated = jsm.streams.info(this.streamName).then(
        (info) => info.config.num_replicas > 1,
        () => true, // not known: ask the leader
      );
      this.replicas = { replicated, until: Date.now() + replicasTtlMs };
    }
    return (await this.replicas.replicated) ? leaderLastSeq(jsm, this.streamName, subjects) : 0;
  }

  private isTyped(subject: string): boolean {
    return isTypedAggregateSubject(this.options.stream, this.options.naming, subject);
  }
}
