import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { isDomainError } from '@keelson/domain-kit';
import { migrate, type Database, type Sql } from '@keelson/postgres';
import { holdBatch } from '../batch-heartbeat.js';
import { ensureDurableConsumer, recordedFrom } from '../durable-consumer.js';
import type { RecordedEvent } from '../event-store.js';
import type { EventStoreNaming } from '../naming.js';
import { advanceCheckpoint, projectionMigrations, readCheckpoint, recordDeadLetter } from './checkpoints.js';
import type { Projection } from './projection.js';

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
  /** Longest a fetch waits for messages (at least 1000, a nats.js floor); bounds how long `stop()` takes. */
  fetchExpiresMs?: number;
  /** Told about every failure (for logs and metrics); `msg` is absent when a fetch failed. */
  onError?: (err: unknown, msg?: JsMsg) => void;
}

const decoder = new TextDecoder();

/**
 * Feeds a projection from a durable pull consumer. Each batch is applied in one PostgreSQL
 * transaction together with the checkpoint, and acknowledged only after that commits; a
 * redelivered message at or below the checkpoint is acknowledged without touching the read model.
 */
export class ProjectionRunner<E> {
  private running: Promise<void> | undefined;
  private stopping = false;
  private current: ConsumerMessages | undefined;
  readonly consumerName: string;
  private readonly streamName: string;
  private readonly o: Required<Omit<ProjectionRunnerOptions<E>, 'onError'>> & Pick<ProjectionRunnerOptions<E>, 'onError'>;

  constructor(options: ProjectionRunnerOptions<E>) {
    this.o = { batchSize: 100, maxDeliver: 5, retryDelayMs: 1_000, ...options, fetchExpiresMs: Math.max(1_000, options.fetchExpiresMs ?? 1_000) };
    this.streamName = `${options.naming.streamPrefix}${options.projection.stream.name}`;
    this.consumerName = `${options.naming.streamPrefix}proj-${options.projection.name}`;
  }

  /** Applies the runner's own tables, ensures the durable consumer and starts consuming. */
  async start(): Promise<void> {
    await migrate(this.o.db, projectionMigrations);
    await this.ensureConsumer();
    this.running = this.loop();
  }

  /** Finishes the batch in hand (commit and ack), then stops fetching. Unprocessed messages stay in the consumer. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.current?.stop();
    await this.running;
  }

  private ensureConsumer(): Promise<void> {
    const { projection, naming } = this.o;
    return ensureDurableConsumer(this.o.nc, {
      stream: this.streamName,
      name: this.consumerName,
      filterSubjects: (projection.filterSubjects ?? projection.stream.subjects).map((s) => `${naming.subjectPrefix}${s}`),
      maxAckPending: this.o.batchSize, // one batch in flight keeps events in stream order
    });
  }

  private async loop(): Promise<void> {
    const consumer = await jetstream(this.o.nc).consumers.get(this.streamName, this.consumerName);
    while (!this.stopping) {
      try {
        this.current = await consumer.fetch({ max_messages: this.o.batchSize, expires: this.o.fetchExpiresMs });
        const batch: JsMsg[] = [];
        for await (const m of this.current) batch.push(m);
        if (batch.length) await this.process(batch);
      } catch (err) {
        if (this.stopping) break;
        this.o.onError?.(err);
        await new Promise((r) => setTimeout(r, this.o.retryDelayMs));
      }
    }
  }

  private async process(batch: JsMsg[]): Promise<void> {
    const hold = holdBatch(batch); // a slow database must not get the batch redelivered meanwhile
    try {
      await this.o.db.transaction((sql) => this.applyAll(sql, batch));
      for (const m of batch) m.ack();
    } catch {
      await this.processOneByOne(batch); // find the message that fails; keep the good ones
    } finally {
      hold.release();
    }
  }

  private async applyAll(sql: Sql, batch: JsMsg[]): Promise<void> {
    const { projection } = this.o;
    let checkpoint = await readCheckpoint(sql, projection.name);
    const events: RecordedEvent<E>[] = [];
    for (const m of batch) {
      if (m.seq <= checkpoint) continue; // already applied: a redelivery changes nothing
      events.push(recordedFrom(m, projection.parse));
      checkpoint = m.seq;
    }
    if (projection.applyBatch) {
      if (events.length) await projection.applyBatch(sql, events);
    } else {
      for (const event of events) await projection.apply(sql, event);
    }
    await advanceCheckpoint(sql, projection.name, checkpoint);
  }

  private async processOneByOne(batch: JsMsg[]): Promise<void> {
    for (const [i, m] of batch.entries()) {
      try {
        await this.o.db.transaction((sql) => this.applyAll(sql, [m]));
        m.ack();
      } catch (err) {
        this.o.onError?.(err, m);
        const poison = err instanceof SyntaxError || isDomainError(err) || m.info.deliveryCount >= this.o.maxDeliver;
        if (poison && (await this.deadLetter(m, err))) {
          m.term(`dead-lettered: ${String(err).slice(0, 200)}`);
          continue;
        }
        // Keep stream order: everything after the failure waits for it.
        for (const rest of batch.slice(i)) rest.nak(this.o.retryDelayMs);
        return;
      }
    }
  }

  private async deadLetter(m: JsMsg, err: unknown): Promise<boolean> {
    const headers: Record<string, string[]> = {};
    for (const key of m.headers?.keys() ?? []) headers[key] = m.headers!.values(key);
    try {
      await this.o.db.transaction(async (sql) => {
        await recordDeadLetter(sql, {
          projection: this.o.projection.name, stream: this.streamName, seq: m.seq, subject: m.subject,
          deliveries: m.info.deliveryCount, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
          payload: decoder.decode(m.data), headers,
        });
        await advanceCheckpoint(sql, this.o.projection.name, m.seq);
      });
      return true;
    } catch {
      return false; // the database itself is failing: retry the message instead of losing it
    }
  }
}
