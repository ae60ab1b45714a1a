import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { ClosedConnectionError } from '@nats-io/transport-node';
import { holdMessages } from './batch-heartbeat.js';
import { detachMessage } from './detach-message.js';

export interface MessageSourceOptions {
  /** Most messages in one batch; the consumer's max_ack_pending caps how many are received unsettled. */
  batchSize: number;
  /**
   * How long one pull request waits on the server before nats.js renews it (at least 1000, a nats.js
   * floor). A message is handed over as soon as it arrives whatever this is; what it sets is how often
   * an idle consumer's pull is renewed (one request and one expiry notice from the server each time).
   */
  pullExpiresMs: number;
  /** Wait before a stopped or failed consume is started again. */
  retryDelayMs: number;
  /** How long a batch waits for more messages after its first arrived, unless it fills first (default 0: not at all). */
  lingerMs?: number;
  /** Told about every failure; `msg` is absent when receiving failed. */
  onError?: (err: unknown, msg?: JsMsg) => void;
}

/**
 * The runners' pull expiry: an idle consumer renews its pull twice a minute instead of every second
 * (27 consumers in the platform). Stopping does not wait for it: the server drops a waiting pull
 * whose inbox has been unsubscribed rather than deliver to it.
 */
export const PULL_EXPIRES_MS = 30_000;

/**
 * How often the server tells an idle pull it is still there: nats.js renews a pull after two missed
 * ones (a consumer deleted and made again, a pull the server lost), so a lost pull costs at most twice this.
 */
export const IDLE_HEARTBEAT_MS = 5_000;

// Consumer states nats.js recovers from on its own, silently; reported so a stalled runner shows in the logs.
const reported = new Set([
  'heartbeats_missed',
  'consumer_not_found',
  'consumer_deleted',
  'stream_not_found',
  'exceeded_limits',
  'no_responders',
]);

/**
 * Hands a durable pull consumer's messages to a runner as they arrive: a batch is the first message
 * available plus whatever else arrived meanwhile (up to `batchSize`), so batches form under load and
 * never by waiting for a pull to fill (a projection may ask to wait `lingerMs` for more). nats.js
 * `consume()` keeps pull requests open and renews them across heartbeats, reconnects and a consumer
 * that comes back. Every received message is kept from redelivery (in-progress heartbeats) until its
 * batch is done, including those waiting their turn.
 */
export class MessageSource {
  private readonly waiting: JsMsg[] = [];
  private readonly held = holdMessages();
  private wake: (() => void) | undefined;
  private messages: ConsumerMessages | undefined;
  private stopping = false;

  constructor(
    private readonly consumer: Consumer,
    private readonly o: MessageSourceOptions,
  ) {}

  /** Hands each batch to `process`, one batch at a time in stream order, until `stop()`. */
  async run(process: (batch: JsMsg[]) => Promise<void>): Promise<void> {
    const receiving = this.receive();
    for (let batch = await this.nextBatch(); batch.length; batch = await this.nextBatch()) {
      try {
        await process(batch);
      } catch (err) {
        this.o.onError?.(err);
        for (const m of batch) m.nak(this.o.retryDelayMs); // no-op for those already acknowledged
        this.holdBack(() => true);
      } finally {
        for (const m of batch) this.held.settled(m);
      }
    }
    await receiving;
    for (const m of this.waiting.splice(0)) giveBack(m);
    this.held.release();
  }

  /** Stops receiving; `run` finishes the batch in hand and returns, leaving the rest to the consumer. */
  stop(): void {
    this.stopping = true;
    this.messages?.stop();
    this.wake?.();
  }

  /**
   * Gives back (nak with the retry delay) the received messages that must not overtake a failed one:
   * the rest of its partition, which arrived after the batch in hand was formed. Returns them.
   */
  holdBack(isBehind: (m: JsMsg) => boolean): JsMsg[] {
    const behind = this.waiting.filter(isBehind);
    this.waiting.splice(0, this.waiting.length, ...this.waiting.filter((m) => !isBehind(m)));
    for (const m of behind) {
      m.nak(this.o.retryDelayMs);
      this.held.settled(m);
    }
    return behind;
  }

  private async nextBatch(): Promise<JsMsg[]> {
    while (!this.waiting.length && !this.stopping) await new Promise<void>((r) => (this.wake = r));
    if (this.o.lingerMs) await this.linger(performance.now() + this.o.lingerMs);
    return this.stopping ? [] : this.waiting.splice(0, this.o.batchSize);
  }

  /** Until the batch is full, `until` passes or the source stops, whichever comes first. */
  private async linger(until: number): Promise<void> {
    while (!this.stopping && this.waiting.length < this.o.batchSize && performance.now() < until) {
      await new Promise<void>((r) => {
        const timer = setTimeout(r, Math.max(0, until - performance.now())); // the clock may pass `until` between the check and here
        this.wake = () => {
          clearTimeout(timer);
          r();
        };
      });
    }
  }

  private arrived(m: JsMsg): void {
    if (this.stopping) return giveBack(m);
    detachMessage(m); // it may wait its turn and its batch's round trip: it must not keep the read chunk
    this.held.hold(m);
    this.waiting.push(m);
    this.wake?.();
    this.wake = undefined;
  }

  private async receive(): Promise<void> {
    while (!this.stopping) {
      try {
        const { batchSize: max_messages, pullExpiresMs: expires } = this.o;
        const idle_heartbeat = Math.min(IDLE_HEARTBEAT_MS, expires / 2);
        const options = { max_messages, expires, idle_heartbeat, callback: (m: JsMsg) => this.arrived(m) };
        this.messages = await this.consumer.consume(options);
        if (this.stopping) this.messages.stop();
        void this.report(this.messages);
        const err = await this.messages.closed();
        if (this.stopping) return;
        throw err ?? new Error('the consumer stopped delivering');
      } catch (err) {
        if (this.stopping) return;
        this.o.onError?.(err);
        if (err instanceof ClosedConnectionError) return this.stop(); // nothing can arrive any more
        await new Promise((r) => setTimeout(r, this.o.retryDelayMs));
      }
    }
  }

  private async report(messages: ConsumerMessages): Promise<void> {
    for await (const s of messages.status()) {
      if (reported.has(s.type)) this.o.onError?.(new Error(`consumer status: ${JSON.stringify(s)}`));
    }
  }
}

/** A message never handed over goes back to the consumer at once; on a closed connection the ack wait does it. */
function giveBack(m: JsMsg): void {
  try {
    m.nak();
  } catch (err) {
    if (!(err instanceof ClosedConnectionError)) throw err;
  }
}
