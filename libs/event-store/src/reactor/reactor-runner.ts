import { jetstream, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { isDomainError } from '@keelson/domain-kit';
import { ackFloorOf, ensureDurableConsumer } from '../durable-consumer.js';
import { EventReader } from '../handled-types.js';
import { MessageSource, PULL_EXPIRES_MS } from '../message-source.js';
import type { EventStoreNaming } from '../naming.js';
import { typedFilterSubjects } from '../typed-subjects.js';
import { inConsumerSpan } from '../tracing/event-spans.js';
import { PartitionGate } from './partition-gate.js';
import type { Reactor } from './reactor.js';
import type { RecordedEvent } from '../event-store.js';
import type { EventMetadata } from '../headers.js';
import type { WriteFence } from '../projection/write-fence.js';

export interface ReactorRunnerOptions<E> {
  nc: NatsConnection;
  naming: EventStoreNaming;
  reactor: Reactor<E>;
  batchSize?: number;
  /** Wait before a message whose handling failed for an infrastructure reason is redelivered. */
  retryDelayMs?: number;
  /**
   * How long one pull request waits on the server before it is renewed (at least 1000, a nats.js floor;
   * default `PULL_EXPIRES_MS`).
   * Messages are handled as they arrive, not when a pull ends.
   */
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
  /**
   * The lease of a single-active reactor: once it lapses no message is handled any more (those in
   * hand go back to the consumer for the next holder). A reactor has no transaction to fence, so a
   * handler already running may finish: handlers are idempotent (see `Reactor`). A fenced start makes
   * the consumer again from its ack floor, as a new holder (see `DurableConsumerSpec.recreate`).
   */
  fence?: WriteFence;
}

/**
 * Feeds a reactor from a durable pull consumer, one message at a time in stream order (per partition,
 * with `partitionBy`), each batch as soon as it arrives (see `MessageSource`). A message is acknowledged
 * after `handle` returns; a DomainError or a malformed message terminates it (reported through
 * `onPoison`); any other error naks it with a delay, and its partition waits for it (see `PartitionGate`).
 * Each handled event runs in a consumer span, a child of the event's trace context.
 */
export class ReactorRunner<E> {
  private running: Promise<void> | undefined;
  private source: MessageSource | undefined;
  private gate: PartitionGate | undefined;
  readonly consumerName: string;
  private readonly streamName: string;
  private readonly batchSize: number;
  private readonly retryDelayMs: number;
  private readonly fetchExpiresMs: number;
  private readonly reader: EventReader<E>;

  constructor(private readonly options: ReactorRunnerOptions<E>) {
    this.reader = new EventReader(options.reactor.parse, options.reactor.handles);
    this.streamName = `${options.naming.streamPrefix}${options.reactor.stream.name}`;
    this.consumerName = `${options.naming.streamPrefix}react-${options.reactor.name}`;
    this.batchSize = options.batchSize ?? 50;
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    this.fetchExpiresMs = Math.max(1_000, options.fetchExpiresMs ?? PULL_EXPIRES_MS);
  }

  async start(): Promise<void> {
    const { reactor, naming, nc } = this.options;
    await ensureDurableConsumer(nc, {
      stream: this.streamName,
      name: this.consumerName,
      filterSubjects: typedFilterSubjects(reactor.stream, reactor.filterSubjects ?? reactor.stream.subjects, reactor.handles).map(
        (s) => `${naming.subjectPrefix}${s}`,
      ),
      maxAckPending: this.batchSize,
      // Everything at or below the ack floor is handled; what was acknowledged above it (another
      // partition's) is handled again, which idempotent handlers allow.
      resumeAfter: () => ackFloorOf(nc, this.streamName, this.consumerName),
      recreate: this.options.fence !== undefined, // a new lease holder: the last holder's pulls and deliveries end
    });
    const consumer = await jetstream(nc).consumers.get(this.streamName, this.consumerName);
    const { retryDelayMs, fetchExpiresMs: pullExpiresMs, batchSize } = this;
    this.source = new MessageSource(consumer, { batchSize, pullExpiresMs, retryDelayMs, onError: this.options.onError });
    this.gate = new PartitionGate(retryDelayMs);
    this.running = this.source.run((batch) => this.process(batch));
  }

  /** Finishes the batch in hand, then stops; everything unhandled stays in the consumer. */
  async stop(): Promise<void> {
    this.source?.stop();
    await this.running;
  }

  private async process(batch: JsMsg[]): Promise<void> {
    const parts = partitions(batch, this.keyOf);
    await Promise.all([...parts].map(([key, part]) => this.handleInOrder(key, part)));
  }

  private readonly keyOf = (m: JsMsg): string => this.options.partitionBy?.(m) ?? '';

  private tell(err: unknown, m: JsMsg): void {
    if (isPoison(err)) this.options.onPoison?.(err, m);
    else this.options.onError?.(err, m);
  }

  /** What the consumer span continues: the headers' trace context, or the one the reactor finds in the payload. */
  private tracedAs(recorded: RecordedEvent<E>): { subject: string; meta: Pick<EventMetadata, 'traceparent'> } {
    const carried = this.options.reactor.traceOf?.(recorded);
    return carried ? { subject: recorded.subject, meta: carried } : recorded;
  }

  private async handleInOrder(key: string, part: JsMsg[]): Promise<void> {
    const gate = this.gate!;
    for (const [i, m] of part.entries()) {
      if (!gate.admit(key, m)) continue; // an earlier message of its key was given back and is not handled yet
      if (this.options.fence && !this.options.fence.isHeld()) {
        for (const rest of part.slice(i)) rest.nak();
        this.source!.stop();
        return this.options.fence.refused?.('the lease lapsed before a message was handled');
      }
      let told = false;
      try {
        const recorded = this.reader.read(m);
        // A failure of the handler is told inside the event's span, so its log line carries the trace id.
        const failed = (err: unknown): never => {
          told = true;
          this.tell(err, m);
          throw err;
        };
        if (recorded)
          await inConsumerSpan(this.consumerName, this.tracedAs(recorded), () => this.options.reactor.handle(recorded).catch(failed));
        m.ack();
      } catch (err) {
        if (!told) this.tell(err, m);
        if (isPoison(err)) {
          m.term(`poison: ${String(err).slice(0, 200)}`);
          continue;
        }
        // Keep stream order: everything of the key after the failure waits for it, also what arrived
        // meanwhile; the gate keeps what arrives later from overtaking them.
        for (const rest of part.slice(i)) gate.retryLater(key, rest);
        for (const held of this.source!.holdBack((later) => this.keyOf(later) === key)) gate.remember(key, held);
        return;
      }
    }
  }
}

/** Malformed, or refused by the domain: terminated, never retried. */
const isPoison = (err: unknown): boolean => err instanceof SyntaxError || isDomainError(err);

/** The batch split by key, each part in stream order (a redelivery may arrive behind later messages). */
function partitions(batch: JsMsg[], keyOf: (m: JsMsg) => string): Map<string, JsMsg[]> {
  const parts = new Map<string, JsMsg[]>();
  for (const m of batch) {
    const key = keyOf(m);
    const part = parts.get(key);
    if (part) part.push(m);
    else parts.set(key, [m]);
  }
  for (const part of parts.values()) if (part.length > 1) part.sort((a, b) => a.seq - b.seq);
  return parts;
}
