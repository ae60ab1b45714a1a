import { jetstream, jetstreamManager, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { isDomainError } from '@keelson/domain-kit';
import { migrate, type Database, type Sql } from '@keelson/postgres';
import { ensureDurableConsumer } from '../durable-consumer.js';
import { EventReader } from '../handled-types.js';
import { MessageSource, PULL_EXPIRES_MS } from '../message-source.js';
import type { EventStoreNaming } from '../naming.js';
import { advanceCheckpoint, projectionMigrations, readCheckpoint, recordDeadLetter } from './checkpoints.js';
import type { Projection } from './projection.js';
import { typedFilterSubjects } from '../typed-subjects.js';
import { deliveryOf, gapFreePrefix, type Delivery, type StreamGap } from './stream-gap.js';
import { assertStillHeld, claimFence, FencedOut, fenceMigrations, takeFence, type WriteFence } from './write-fence.js';
import { inBatchSpans } from '../tracing/event-spans.js';

export interface ProjectionRunnerOptions<E> {
  nc: NatsConnection;
  naming: EventStoreNaming;
  db: Database;
  projection: Projection<E>;
  batchSize?: number;
  /** Deliveries after which a message that keeps failing goes to the dead-letter table. */
  maxDeliver?: number;
  /** Wait before a failed message is redelivered. */
  retryDelayMs?: number;
  /**
   * How long one pull request waits on the server before it is renewed (at least 1000, a nats.js floor;
   * default `PULL_EXPIRES_MS`).
   * Events are applied as they arrive, not when a pull ends.
   */
  fetchExpiresMs?: number;
  /**
   * How long a batch stays open for more events after its first one arrived (default 50 ms): each
   * batch costs a transaction and a checkpoint write, so under a stream of events a short wait
   * turns one-event batches into full ones; the read model lags by at most this much more.
   */
  lingerMs?: number;
  /** Told about every failure (for logs and metrics); `msg` is absent when a fetch failed. */
  onError?: (err: unknown, msg?: JsMsg) => void;
  /**
   * The lease of a single-active runner: its start takes a token (see `takeFence`), every transaction
   * stores it and refuses to commit once a later holder wrote or the lease lapsed (see `claimFence`).
   * Absent: no fencing.
   */
  fence?: WriteFence;
}

const decoder = new TextDecoder();

/**
 * Feeds a projection from a durable pull consumer, each batch as soon as it arrives (see `MessageSource`).
 * Each batch is applied in one PostgreSQL transaction together with the checkpoint, and acknowledged
 * only after that commits; a redelivered message at or below the checkpoint is acknowledged without
 * touching the read model. Each applied event gets a consumer span in its own trace (see `inBatchSpans`).
 */
export class ProjectionRunner<E> {
  private running: Promise<void> | undefined;
  private source: MessageSource | undefined;
  private jsm: JetStreamManager | undefined;
  /** The delivery applied last (committed), so that the next batch's first event needs no gap lookup. */
  private last: Delivery | undefined;
  /** This tenure's fencing token (see `takeFence`); 0 unfenced. */
  private token = 0;
  /** Direct gets made to tell a gap from another subject's events (see `gapFreePrefix`). */
  readonly gapLookups = { count: 0 };
  readonly consumerName: string;
  private readonly streamName: string;
  private readonly reader: EventReader<E>;
  private readonly o: Required<Omit<ProjectionRunnerOptions<E>, 'onError' | 'fence'>> & Pick<ProjectionRunnerOptions<E>, 'onError' | 'fence'>;

  constructor(options: ProjectionRunnerOptions<E>) {
    this.o = { batchSize: 100, maxDeliver: 5, retryDelayMs: 1_000, lingerMs: 50, ...options, fetchExpiresMs: Math.max(1_000, options.fetchExpiresMs ?? PULL_EXPIRES_MS) };
    this.streamName = `${options.naming.streamPrefix}${options.projection.stream.name}`;
    this.consumerName = `${options.naming.streamPrefix}proj-${options.projection.name}`;
    this.reader = new EventReader(options.projection.parse, options.projection.handles);
  }

  /**
   * Applies the runner's own tables, ensures the durable consumer and starts consuming. A fenced
   * runner first stores its token, so that from then on no earlier holder can commit, then makes the
   * consumer again from its checkpoint (see `DurableConsumerSpec.recreate`).
   */
  async start(): Promise<void> {
    await migrate(this.o.db, [...projectionMigrations, ...fenceMigrations]);
    const { fence, projection } = this.o;
    if (fence) {
      this.token = await this.o.db.transaction(async (sql) => {
        const token = await takeFence(sql, projection.name, fence.token);
        assertStillHeld(fence, projection.name, token);
        return token;
      });
    }
    await this.ensureConsumer();
    this.jsm = await jetstreamManager(this.o.nc);
    const consumer = await jetstream(this.o.nc).consumers.get(this.streamName, this.consumerName);
    const { batchSize, fetchExpiresMs: pullExpiresMs, retryDelayMs, lingerMs, onError } = this.o;
    this.source = new MessageSource(consumer, { batchSize, pullExpiresMs, retryDelayMs, lingerMs, onError });
    this.running = this.source.run((batch) => this.process(batch));
  }

  /** Finishes the batch in hand (commit and ack), then stops. Unprocessed messages stay in the consumer. */
  async stop(): Promise<void> {
    this.source?.stop();
    await this.running;
  }

  private get filterSubjects(): string[] {
    const { projection, naming } = this.o;
    const subjects = typedFilterSubjects(projection.stream, projection.filterSubjects ?? projection.stream.subjects, projection.handles);
    return subjects.map((s) => `${naming.subjectPrefix}${s}`);
  }

  private ensureConsumer(): Promise<void> {
    return ensureDurableConsumer(this.o.nc, {
      stream: this.streamName,
      name: this.consumerName,
      filterSubjects: this.filterSubjects,
      maxAckPending: this.o.batchSize, // one batch in flight keeps events in stream order
      ackPolicy: 'all', // batches settle in stream order: acking the last settles the batch
      resumeAfter: () => this.o.db.transaction((sql) => readCheckpoint(sql, this.o.projection.name)),
      recreate: this.o.fence !== undefined, // a new lease holder: nothing of the last holder's deliveries stays
    });
  }

  // The source keeps the batch from redelivery meanwhile: a slow database must not get it handed out twice.
  private async process(received: JsMsg[]): Promise<void> {
    // Redeliveries may arrive behind later events: a projection applies in stream order.
    const batch = [...received].sort((a, b) => a.seq - b.seq);
    let settled: { done: JsMsg[]; gap?: StreamGap };
    try {
      settled = await this.o.db.transaction((sql) => this.applyInOrder(sql, batch));
    } catch (err) {
      if (err instanceof FencedOut) return this.fencedOut(err, batch);
      return this.processOneByOne(batch); // find the message that fails; keep the good ones
    }
    // The consumer acks all: the last settled message settles every one before it in the stream, and
    // everything at or below it is applied (the checkpoint) or was never this consumer's.
    settled.done.at(-1)?.ack();
    this.remember(settled.done);
    if (settled.gap) this.waitForGap(settled.gap, batch.slice(settled.done.length));
  }

  /** Another process holds the lease now: give the batch back and stop; the holder applies it. */
  private fencedOut(err: FencedOut, batch: JsMsg[]): void {
    this.o.onError?.(err);
    for (const m of batch) m.nak();
    this.source?.stop();
  }

  /** Runs `work` between the fence claim (first statement) and the lease check (last), when fenced. */
  private async fenced<T>(sql: Sql, work: () => Promise<T>): Promise<T> {
    const { fence, projection } = this.o;
    if (!fence) return work();
    await claimFence(sql, projection.name, this.token);
    const result = await work();
    assertStillHeld(fence, projection.name, this.token);
    return result;
  }

  private remember(applied: JsMsg[]): void {
    const m = applied.at(-1);
    if (m) this.last = deliveryOf(m);
  }

  /**
   * What lies past a missing event goes back, with the retry delay, until that event has come and
   * been applied. What arrived meanwhile stays: the missing event may be among it.
   */
  private waitForGap(gap: StreamGap, rest: JsMsg[]): void {
    this.o.onError?.(gap);
    for (const m of rest) m.nak(this.o.retryDelayMs);
  }

  /**
   * Applies the sorted batch in one transaction with the checkpoint, up to the first event it would
   * skip (see `gapFreePrefix`); returns the messages now settled (applied, or repeats at or below
   * the checkpoint) and the gap that stopped it, if any.
   */
  private applyInOrder(sql: Sql, batch: JsMsg[]): Promise<{ done: JsMsg[]; gap?: StreamGap }> {
    return this.fenced(sql, () => this.applyUnfenced(sql, batch));
  }

  private async applyUnfenced(sql: Sql, batch: JsMsg[]): Promise<{ done: JsMsg[]; gap?: StreamGap }> {
    const { projection } = this.o;
    const checkpoint = await readCheckpoint(sql, projection.name);
    const repeats = batch.filter((m) => m.seq <= checkpoint).length; // a redelivery changes nothing
    const fresh = batch.slice(repeats);
    const { length, gap } = await gapFreePrefix(this.jsm!, this.streamName, this.filterSubjects, checkpoint, fresh.map(deliveryOf), this.last, this.gapLookups);
    const apply = fresh.slice(0, length);
    const events = apply.flatMap((m) => this.reader.read(m) ?? []);
    await inBatchSpans(this.consumerName, events, async () => {
      if (projection.applyBatch) {
        if (events.length) await projection.applyBatch(sql, events);
      } else {
        for (const event of events) await projection.apply(sql, event);
      }
    });
    if (apply.length) await advanceCheckpoint(sql, projection.name, apply.at(-1)!.seq);
    return { done: batch.slice(0, repeats + length), ...(gap ? { gap } : {}) };
  }

  private async processOneByOne(batch: JsMsg[]): Promise<void> {
    for (const [i, m] of batch.entries()) {
      try {
        const { gap } = await this.o.db.transaction((sql) => this.applyInOrder(sql, [m]));
        if (gap) return this.waitForGap(gap, batch.slice(i));
        m.ack();
        this.remember([m]);
      } catch (err) {
        if (err instanceof FencedOut) return this.fencedOut(err, batch.slice(i));
        this.o.onError?.(err, m);
        const poison = err instanceof SyntaxError || isDomainError(err) || m.info.deliveryCount >= this.o.maxDeliver;
        if (poison && (await this.deadLetter(m, err))) {
          m.term(`dead-lettered: ${String(err).slice(0, 200)}`);
          continue;
        }
        // Keep stream order: everything after the failure waits for it, also what arrived meanwhile.
        for (const rest of batch.slice(i)) rest.nak(this.o.retryDelayMs);
        this.source?.holdBack(() => true);
        return;
      }
    }
  }

  private async deadLetter(m: JsMsg, err: unknown): Promise<boolean> {
    const headers: Record<string, string[]> = {};
    for (const key of m.headers?.keys() ?? []) headers[key] = m.headers!.values(key);
    try {
      await this.o.db.transaction((sql) => this.fenced(sql, async () => {
        await recordDeadLetter(sql, {
          projection: this.o.projection.name, stream: this.streamName, seq: m.seq, subject: m.subject,
          deliveries: m.info.deliveryCount, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
          payload: decoder.decode(m.data), headers,
        });
        await advanceCheckpoint(sql, this.o.projection.name, m.seq);
      }));
      return true;
    } catch {
      return false; // the database itself is failing: retry the message instead of losing it
    }
  }
}
