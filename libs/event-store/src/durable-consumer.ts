import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  type ConsumerInfo,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ACK_WAIT_MS } from './batch-heartbeat.js';

// Not in nats.js's JetStreamApiCodes: "consumer already exists" (another config) and "consumer name already in use".
const consumerExistsCodes = [10148, 10013];

export interface DurableConsumerSpec {
  stream: string;
  name: string;
  /** Fully prefixed subjects. */
  filterSubjects: string[];
  /** Unacknowledged messages at most; with one consumer loop this keeps stream order. */
  maxAckPending: number;
  /**
   * `all` for a runner that settles in stream order (a projection): one ack settles everything before
   * it, so a batch costs one ack message instead of one per event. `explicit` (default) for runners
   * that settle out of order (reactors handle partitions concurrently).
   */
  ackPolicy?: 'explicit' | 'all';
  /**
   * Where a consumer that must be made again (its ack policy changed; the server cannot update that)
   * resumes: the runner's own checkpoint, everything at or below it being applied. Without it the
   * new consumer starts at the stream's beginning.
   */
  resumeAfter?: () => Promise<number>;
  /**
   * Delete the consumer and make it again from `resumeAfter`: a runner that just took its lease over
   * from a holder that may be frozen, not dead, does so to end that holder's pull requests and
   * unacknowledged deliveries, which the server would otherwise keep handing to it until they expire.
   */
  recreate?: boolean;
}

/**
 * Creates the durable pull consumer unless it exists; its position survives restarts of the process.
 * A consumer made by an older release with another ack wait, filter or max_ack_pending is brought to the current one.
 */
export async function ensureDurableConsumer(nc: NatsConnection, spec: DurableConsumerSpec): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const ackPolicy = spec.ackPolicy === 'all' ? AckPolicy.All : AckPolicy.Explicit;
  if (spec.recreate) {
    const resumeAfter = (await spec.resumeAfter?.()) ?? 0;
    await jsm.consumers.delete(spec.stream, spec.name).catch((err: unknown) => {
      if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound)) throw err;
    });
    return addConsumer(jsm, spec, ackPolicy, resumeAfter);
  }
  let info: ConsumerInfo;
  try {
    info = await jsm.consumers.info(spec.stream, spec.name);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound)) throw err;
    return addConsumer(jsm, spec, ackPolicy, 0);
  }
  if (info.config.ack_policy !== ackPolicy) {
    // An older release made it with another ack policy, which the server cannot change in place.
    const resumeAfter = (await spec.resumeAfter?.()) ?? 0;
    await jsm.consumers.delete(spec.stream, spec.name);
    return addConsumer(jsm, spec, ackPolicy, resumeAfter);
  }
  const update = { ...ackWaitUpdate(info), ...filterUpdate(info, spec.filterSubjects), ...ackPendingUpdate(info, spec.maxAckPending) };
  if (Object.keys(update).length) await jsm.consumers.update(spec.stream, spec.name, update);
}

// A runner whose batch size changed takes batches of the new size (a projection's max_ack_pending is its batch size).
const ackPendingUpdate = (info: ConsumerInfo, wanted: number) =>
  info.config.max_ack_pending === wanted ? {} : { max_ack_pending: wanted };

const ackWaitUpdate = (info: ConsumerInfo) =>
  info.config.ack_wait === ACK_WAIT_MS * 1_000_000 ? {} : { ack_wait: ACK_WAIT_MS * 1_000_000 };

/**
 * A consumer whose subjects changed (an event type handled more or less; typed subjects) follows the
 * new ones from where it is: the server keeps its position and acknowledgements.
 */
function filterUpdate(info: ConsumerInfo, wanted: string[]): { filter_subject?: string; filter_subjects?: string[] } {
  const current = [...(info.config.filter_subjects ?? (info.config.filter_subject ? [info.config.filter_subject] : []))].sort();
  const sorted = [...wanted].sort();
  if (current.length === sorted.length && current.every((s, i) => s === sorted[i])) return {};
  // `update` merges into the current config, which may hold the single-subject form: never both.
  return { filter_subject: undefined, filter_subjects: wanted };
}

/** The stream sequence at or below which the consumer has everything acknowledged (0 when it does not exist). */
export async function ackFloorOf(nc: NatsConnection, stream: string, name: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  try {
    return (await jsm.consumers.info(stream, name)).ack_floor.stream_seq;
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound) return 0;
    throw err;
  }
}

async function addConsumer(jsm: JetStreamManager, spec: DurableConsumerSpec, ackPolicy: AckPolicy, resumeAfter: number): Promise<void> {
  const start =
    resumeAfter > 0
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: resumeAfter + 1 }
      : { deliver_policy: DeliverPolicy.All };
  try {
    await jsm.consumers.add(spec.stream, {
      durable_name: spec.name,
      ack_policy: ackPolicy,
      ...start,
      filter_subjects: spec.filterSubjects,
      ack_wait: ACK_WAIT_MS * 1_000_000,
      max_deliver: -1, // poison handling is ours
      max_ack_pending: spec.maxAckPending,
    });
  } catch (err) {
    // Another replica made it first (its start may differ by a few events): theirs stands, with ours.
    if (!(err instanceof JetStreamApiError && consumerExistsCodes.includes(err.code))) throw err;
  }
}
