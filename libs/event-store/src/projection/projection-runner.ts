import { jetstream, jetstreamManager, type Consumer, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { isDomainError } from '@keelson/domain-kit';
import { migrate, type Sql } from '@keelson/postgres';
import { ensureDurableConsumer } from '../durable-consumer.js';
import { EventReader } from '../handled-types.js';
import { MessageSource, PULL_EXPIRES_MS } from '../message-source.js';
import { advanceCheckpoint, deadLetterOf, projectionMigrations, readCheckpoint, recordDeadLetter } from './checkpoints.js';
import { GapRecovery } from './gap-recovery.js';
import type { ProjectionRunnerOptions, RunnerSettings } from './projection-runner-options.js';
import { typedFilterSubjects } from '../typed-subjects.js';
import { deliveryOf, gapFreePrefix, type Delivery, type StreamGap } from './stream-gap.js';
import { beginTenure, FencedOut, fenceMigrations, withinFence } from './write-fence.js';
import { inBatchSpans } from '../tracing/event-spans.js';

/**
 * Feeds a projection from a durable pull consumer, each batch as soon as it arrives (see `MessageSource`).
 * Each batch is applied in one PostgreSQL transaction together with the checkpoint, and acknowledged
 * only after that commits; a redelivered message at or below the checkpoint is acknowledged without
 * touching the read model. A batch that reaches past an event not applied yet is applied up to it
 * (see `GapRecovery` for the rest). Each applied event gets a consumer span in its own trace (see `inBatchSpans`).
 */
export class ProjectionRunner<E> {
  private running: Promise<void> | undefined;
  private stopping = false;
  private consumer: Consumer | undefined;
  private source: MessageSource | undefined;
  private jsm: JetStreamManager | undefined;
  /** The delivery applied last (committed), so that the next batch's first event needs no gap lookup. */
  private last: Delivery | undefined;
  /** This tenure's fencing token (see `takeFence`); 0 unfenced. */
  private token = 0;
  /** Direct gets made to tell a gap from another subject's events (see `gapFreePrefix`). */
  readonly gapLookups = { count: 0 };
  readonly gaps: GapRecovery; // and how often the consumer was made again for one
  readonly consumerName: string;
  private readonly streamName: string;
  /** Fully prefixed: the consumer's filter, and where a gap is looked for. */
  private readonly filterSubjects: string[];
  private readonly reader: EventReader<E>;
  private readonly o: RunnerSettings<E>;

  constructor(options: ProjectionRunnerOptions<E>) {
    this.o = {
      batchSize: 100,
      maxDeliver: 5,
      retryDelayMs: 1_000,
      lingerMs: 50,
      ...options,
      fetchExpiresMs: Math.max(1_000, options.fetchExpiresMs ?? PULL_EXPIRES_MS),
    };
    this.streamName = `${options.naming.streamPrefix}${options.projection.stream.name}`;
    this.consumerName = `${options.naming.streamPrefix}proj-${options.projection.name}`;
    const { projection, naming, fence, retryDelayMs, onError } = this.o;
    this.reader = new EventReader(projection.parse, projection.handles);
    const subjects = typedFilterSubjects(projection.stream, projection.filterSubjects ?? projection.stream.subjects, projection.handles);
    this.filterSubjects = subjects.map((s) => `${naming.subjectPrefix}${s}`);
    this.gaps = new GapRecovery({
      retryDelayMs,
      recreate: () => this.consumeAfresh(),
      ...(fence ? { lease: fence } : {}),
      ...(onError ? { onError } : {}),
    });
  }

  /**
   * Applies the runner's own tables, ensures the durable consumer and starts consuming. A fenced
   * runner first stores its token, so that from then on no earlier holder can commit, then makes the
   * consumer again from its checkpoint (see `DurableConsumerSpec.recreate`).
   */
  async start(): Promise<void> {
    await migrate(this.o.db, [...projectionMigrations, ...fenceMigrations]);
    if (this.o.fence) this.token = await beginTenure(this.o.db, this.o.projection.name, this.o.fence);
    this.jsm = await jetstreamManager(this.o.nc);
    await this.consumeAfresh();
    this.running = this.consume();
  }

  /** Finishes the batch in hand (commit and ack), then stops. Unprocessed messages stay in the consumer. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.source?.stop();
    await this.running;
  }

  /** Batch after batch, and on from a consumer made again after a gap, until stopped. */
  private async consume(): Promise<void> {
    const { batchSize, fetchExpiresMs: pullExpiresMs, retryDelayMs, lingerMs, onError } = this.o;
    while (!this.stopping) {
      this.source = new MessageSource(this.consumer!, { batchSize, pullExpiresMs, retryDelayMs, lingerMs, onError });
      await this.source.run((batch) => this.process(batch));
      if (this.stopping || !(await this.gaps.restart(() => this.stopping))) return;
    }
  }

  /** Ensures the consumer; a fenced runner makes it again from its checkpoint. */
  private async consumeAfresh(): Promise<void> {
    const { nc, projection, db, fence, batchSize } = this.o;
    await ensureDurableConsumer(nc, {
      stream: this.streamName,
      name: this.consumerName,
      filterSubjects: this.filterSubjects,
      maxAckPending: batchSize, // one batch in flight keeps events in stream order
      ackPolicy: 'all', // batches settle in stream order: acking the last settles the batch
      resumeAfter: () => db.transaction((sql) => readCheckpoint(sql, projection.name)),
      recreate: fence !== undefined, // a new lease holder: nothing of the last holder's deliveries stays
    });
    this.consumer = await jetstream(nc).consumers.get(this.streamName, this.consumerName);
    this.last = undefined; // a new consumer counts its deliveries afresh
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
    if (settled.gap) this.metGap(settled.gap, batch.slice(settled.done.length));
  }

  /**
   * The lease lapsed, or another process holds it now: give the batch back and stop, and say so (the
   * next tenure, here or elsewhere, applies it from the checkpoint).
   */
  private fencedOut(err: FencedOut, batch: JsMsg[]): void {
    this.o.onError?.(err);
    for (const m of batch) m.nak();
    this.stopping = true; // a gap met meanwhile is the next tenure's
    this.source?.stop();
    this.o.fence?.refused?.(err.message);
  }

  /** Stops consuming when the consumer is to be made again (see `GapRecovery`); the rest stays with the old one. */
  private metGap(gap: StreamGap, rest: JsMsg[]): void {
    if (this.gaps.met(gap, rest)) this.source?.stop();
  }

  private remember(applied: JsMsg[]): void {
    const m = applied.at(-1);
    if (!m) return;
    this.last = deliveryOf(m);
    this.gaps.settled(m.seq);
  }

  /**
   * Applies the sorted batch in one transaction with the checkpoint, up to the first event it would
   * skip (see `gapFreePrefix`); returns the messages now settled (applied, or repeats at or below
   * the checkpoint) and the gap that stopped it, if any.
   */
  private applyInOrder(sql: Sql, batch: JsMsg[]): Promise<{ done: JsMsg[]; gap?: StreamGap }> {
    return withinFence(sql, this.o.fence, this.o.projection.name, this.token, () => this.applyUnfenced(sql, batch));
  }

  private async applyUnfenced(sql: Sql, batch: JsMsg[]): Promise<{ done: JsMsg[]; gap?: StreamGap }> {
    const { projection } = this.o;
    const checkpoint = await readCheckpoint(sql, projection.name);
    const repeats = batch.filter((m) => m.seq <= checkpoint).length; // a redelivery changes nothing
    const fresh = batch.slice(repeats);
    const { length, gap } = await gapFreePrefix(
      this.jsm!,
      this.streamName,
      this.filterSubjects,
      checkpoint,
      fresh.map(deliveryOf),
      this.last,
      this.gapLookups,
    );
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
        if (gap) return this.metGap(gap, batch.slice(i));
        m.ack();
        this.remember([m]);
      } catch (err) {
        if (err instanceof FencedOut) return this.fencedOut(err, batch.slice(i));
        this.o.onError?.(err, m);
        const poison = err instanceof SyntaxError || isDomainError(err) || m.info.deliveryCount >= this.o.maxDeliver;
        if (poison && (await this.deadLetter(m, err))) {
          m.term(`dead-lettered: ${String(err).slice(0, 200)}`);
          this.gaps.settled(m.seq);
          continue;
        }
        // Keep stream order: everything after the failure waits for it, also what arrived meanwhile.
        for (const rest of batch.slice(i)) rest.nak(this.o.retryDelayMs);
        const behind = this.source?.holdBack(() => true) ?? [];
        this.gaps.gaveBack(m.seq, Math.max(batch.at(-1)!.seq, ...behind.map((b) => b.seq)));
        return;
      }
    }
  }

  private async deadLetter(m: JsMsg, err: unknown): Promise<boolean> {
    try {
      await this.o.db.transaction((sql) =>
        withinFence(sql, this.o.fence, this.o.projection.name, this.token, async () => {
          await recordDeadLetter(sql, deadLetterOf(this.o.projection.name, this.streamName, m, err));
          await advanceCheckpoint(sql, this.o.projection.name, m.seq);
        }),
      );
      return true;
    } catch {
      return false; // the database itself is failing: retry the message instead of losing it
    }
  }
}
