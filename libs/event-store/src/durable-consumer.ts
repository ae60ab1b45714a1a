import { AckPolicy, DeliverPolicy, JetStreamApiError, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { RecordedEvent } from './event-store.js';
import { ACK_WAIT_MS } from './batch-heartbeat.js';
import { readEventMetadata } from './headers.js';

const consumerNotFound = 10014;
const decoder = new TextDecoder();

export interface DurableConsumerSpec {
  stream: string;
  name: string;
  /** Fully prefixed subjects. */
  filterSubjects: string[];
  /** Unacknowledged messages at most; with one consumer loop this keeps stream order. */
  maxAckPending: number;
}

/**
 * Creates the durable pull consumer unless it exists; its position survives restarts of the process.
 * A consumer made by an older release with another ack wait is brought to the current one.
 */
export async function ensureDurableConsumer(nc: NatsConnection, spec: DurableConsumerSpec): Promise<void> {
  const jsm = await jetstreamManager(nc);
  try {
    const info = await jsm.consumers.info(spec.stream, spec.name);
    if (info.config.ack_wait !== ACK_WAIT_MS * 1_000_000) await jsm.consumers.update(spec.stream, spec.name, { ack_wait: ACK_WAIT_MS * 1_000_000 });
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === consumerNotFound)) throw err;
    await jsm.consumers.add(spec.stream, {
      durable_name: spec.name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subjects: spec.filterSubjects,
      ack_wait: ACK_WAIT_MS * 1_000_000,
      max_deliver: -1, // poison handling is ours
      max_ack_pending: spec.maxAckPending,
    });
  }
}

/** Turns a delivered message into the recorded event `parse` makes of it. */
export function recordedFrom<E>(m: JsMsg, parse: (raw: unknown) => E): RecordedEvent<E> {
  return {
    event: parse(JSON.parse(decoder.decode(m.data))),
    seq: m.seq,
    subject: m.subject,
    time: new Date(Math.floor(m.info.timestampNanos / 1_000_000)),
    meta: readEventMetadata(m.headers),
  };
}
