import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { isDomainError } from '@keelson/domain-kit';
import { holdBatch } from '../batch-heartbeat.js';
import { ensureDurableConsumer, recordedFrom } from '../durable-consumer.js';
import type { EventStoreNaming } from '../naming.js';
import type { Reactor } from './reactor.js';

export interface ReactorRunnerOptions<E> {
  nc: NatsConnection;
  naming: EventStoreNaming;
  reactor: Reactor<E>;
  batchSize?: number;
  /** Wait before a message whose handling failed for an infrastructure reason is redelivered. */
  retryDelayMs?: number;
  /** Longest a fetch waits for messages (at least 1000, a nats.js floor); bounds how long `stop()` takes. */
  fetchExpiresMs?: number;
  /** Told about every failure (for logs and metrics); `msg` is absent when a fetch failed. */
  onError?: (err: unknown, msg?: JsMsg) => void;
  /** Told about a message given up on: malformed, or refused by the domain. It is terminated, not retried. */
  onPoison?: (err: unknown, msg: JsMsg) => void;
  /**
   * Messages with the same key are handled one at a time in stream order; different keys at once
   * (e.g. the subject, for a stream where each subject is one device). Without it, one at a time.
   */
  partitionBy?: (msg: JsMsg) => string;
}

/**
 * Feeds a reactor from a durable pull consumer, one message at a time in stream order (per partition,
 * with `partitionBy`). A message is acknowledged after `handle` returns; a DomainError or a malformed
 * message terminates it (reported through `onPoison`); any other error naks it with a delay and holds
 * back the rest of its partition of the batch.
 */
export class ReactorRunner<E> {
  private running: Promise<void> | undefined;
  private stopping = false;
  private current: ConsumerMessages | undefined;
  readonly consumerName: string;
  private readonly streamName: string;
  private readonly batchSize: number;
  private readonly retryDelayMs: number;
  private readonly fetchExpiresMs: number;

  constructor(private readonly options: ReactorRunnerOptions<E>) {
    this.streamName = `${options.naming.streamPrefix}${options.reactor.stream.name}`;
    this.consumerName = `${options.naming.streamPrefix}react-${options.reactor.name}`;
    this.batchSize = options.batchSize ?? 50;
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    this.fetchExpiresMs = Math.max(1_000, options.fetchExpiresMs ?? 1_000);
  }

  async start(): Promise<void> {
    const { reactor, naming, nc } = this.options;
    await ensureDurableConsumer(nc, {
      stream: this.streamName,
      name: this.consumerName,
      filterSubjects: (reactor.filterSubjects ?? reactor.stream.subjects).map((s) => `${naming.subjectPrefix}${s}`),
      maxAckPending: this.batchSize,
    });
    this.running = this.loop();
  }

  /** Finishes the message in hand, then stops; everything unhandled stays in the consumer. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.current?.stop();
    await this.running;
  }

  private async loop(): Promise<void> {
    const consumer = await jetstream(this.options.nc).consumers.get(this.streamName, this.consumerName);
    while (!this.stopping) {
      try {
        this.current = await consumer.fetch({ max_messages: this.batchSize, expires: this.fetchExpiresMs });
        const batch: JsMsg[] = [];
        for await (const m of this.current) batch.push(m);
        await this.process(batch);
      } catch (err) {
        if (this.stopping) break;
        this.options.onError?.(err);
        await new Promise((r) => setTimeout(r, this.retryDelayMs));
      }
    }
  }

  private async process(batch: JsMsg[]): Promise<void> {
    const hold = holdBatch(batch);
    try {
      await Promise.all(partitions(batch, this.options.partitionBy).map((part) => this.handleInOrder(part, hold.settled)));
    } finally {
      hold.release();
    }
  }

  private async handleInOrder(batch: JsMsg[], settled: (m: JsMsg) => void): Promise<void> {
    const { reactor } = this.options;
    for (const [i, m] of batch.entries()) {
      try {
        await reactor.handle(recordedFrom(m, reactor.parse));
        m.ack();
        settled(m);
      } catch (err) {
        settled(m);
        if (err instanceof SyntaxError || isDomainError(err)) {
          this.options.onPoison?.(err, m);
          m.term(`poison: ${String(err).slice(0, 200)}`);
          continue;
        }
        this.options.onError?.(err, m);
        // Keep stream order: everything after the failure waits for it.
        for (const rest of batch.slice(i)) rest.nak(this.retryDelayMs);
        return;
      }
    }
  }
}

/** The batch split by key, each part in stream order; one part when there is no key. */
function partitions(batch: JsMsg[], keyOf: ((m: JsMsg) => string) | undefined): JsMsg[][] {
  if (!keyOf) return [batch];
  const parts = new Map<string, JsMsg[]>();
  for (const m of batch) {
    const key = keyOf(m);
    parts.set(key, [...(parts.get(key) ?? []), m]);
  }
  return [...parts.values()];
}
