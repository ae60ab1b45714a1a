import { randomUUID } from 'node:crypto';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ConcurrencyError } from '@keelson/domain-kit';
import { eventHeaders, type EventMetadata } from './headers.js';
import { publishForAck, pubAckTimeoutMs, singleAck, type PubAckReply } from './pub-ack.js';
import { inAppendSpan } from './tracing/event-spans.js';

/** What an append stored: the stream sequences of its events, or that it was a duplicate. */
export interface AppendResult {
  firstSeq: number;
  lastSeq: number;
  /** JetStream had already stored this decision (same command id): nothing new was written.
   *  For a multi-event decision the sequences are then unknown and reported as 0. */
  duplicate: boolean;
}

const conflictCodes: number[] = [JetStreamApiCodes.StreamWrongLastSequence, JetStreamApiCodes.StreamWrongLastSequenceUnknown];
// "atomic publish batch contains duplicate message id": event ids derive from the command id, so the
// decision was stored before. The server checks this before the expected sequence.
const batchDuplicateCode = 10201;
const encoder = new TextEncoder();

/**
 * Where the events of one decision go: one subject for all (`subject`), or one per event
 * (`subjects`, same order), and the subject, maybe with a wildcard, whose last sequence must still
 * be the expected one (`expectSubject`; `subject` when absent).
 */
export interface AppendTarget {
  subject: string;
  subjects?: readonly string[];
  expectSubject?: string;
}

function conflict(target: AppendTarget, expectedSeq: number, cause: unknown): ConcurrencyError {
  return new ConcurrencyError(target.subject, expectedSeq, { cause });
}

const subjectAt = (target: AppendTarget, i: number): string => target.subjects?.[i] ?? target.subject;

// A JetStream publish is a request to the stream's subject; the PubAck comes back on the reply
// subject of the connection's reply mux (publishForAck), as nats.js's `js.publish` would get it.
async function appendOne(
  nc: NatsConnection,
  target: AppendTarget,
  expectedSeq: number,
  event: unknown,
  meta: EventMetadata,
): Promise<AppendResult> {
  const h = eventHeaders(meta, 0); // its Nats-Msg-Id: the same decision published twice is stored once
  h.set('Nats-Expected-Last-Subject-Sequence', String(expectedSeq)); // 0 = the subject must still be empty
  if (target.expectSubject) h.set('Nats-Expected-Last-Subject-Sequence-Subject', target.expectSubject);
  try {
    const ack = singleAck(await publishForAck(nc, subjectAt(target, 0), encoder.encode(JSON.stringify(event)), h, pubAckTimeoutMs));
    return { firstSeq: ack.seq, lastSeq: ack.seq, duplicate: ack.duplicate };
  } catch (err) {
    if (err instanceof JetStreamApiError && conflictCodes.includes(err.code)) throw conflict(target, expectedSeq, err);
    throw err;
  }
}

// Atomic batch publish (ADR-50, nats-server >= 2.12): the server stages every message of the batch
// and stores all of them or none when the commit arrives. Only the commit is acknowledged.
async function appendBatch(
  nc: NatsConnection,
  target: AppendTarget,
  expectedSeq: number,
  events: unknown[],
  meta: EventMetadata,
  timeoutMs: number,
): Promise<AppendResult> {
  const batchId = randomUUID();
  let reply: PubAckReply | undefined;
  for (const [i, event] of events.entries()) {
    const h = eventHeaders(meta, i);
    h.set('Nats-Batch-Id', batchId);
    h.set('Nats-Batch-Sequence', String(i + 1));
    if (i === 0) h.set('Nats-Expected-Last-Subject-Sequence', String(expectedSeq));
    if (i === 0 && target.expectSubject) h.set('Nats-Expected-Last-Subject-Sequence-Subject', target.expectSubject);
    const subject = subjectAt(target, i);
    const data = encoder.encode(JSON.stringify(event));
    if (i < events.length - 1) {
      nc.publish(subject, data, { headers: h });
      continue;
    }
    h.set('Nats-Batch-Commit', '1');
    reply = await publishForAck(nc, subject, data, h, timeoutMs);
  }
  if (reply?.error?.err_code === batchDuplicateCode) return { firstSeq: 0, lastSeq: 0, duplicate: true };
  if (reply?.error) {
    const cause = new JetStreamApiError({ code: reply.error.code, err_code: reply.error.err_code, description: reply.error.description });
    if (conflictCodes.includes(reply.error.err_code)) throw conflict(target, expectedSeq, cause);
    throw cause;
  }
  if (!reply?.seq) throw new Error(`batch ${batchId} on ${target.subject}: no sequence in the commit acknowledgement`);
  return { firstSeq: reply.seq - events.length + 1, lastSeq: reply.seq, duplicate: reply.duplicate === true };
}

/**
 * Appends the events of one decision to `target` (a subject, or an `AppendTarget`), unless someone
 * else appended after `expectedSeq` (then ConcurrencyError). Several events land atomically or not at all.
 * The events carry the trace context of the append's span (see `inAppendSpan`).
 */
export async function appendEvents(
  nc: NatsConnection,
  target: string | AppendTarget,
  expectedSeq: number,
  events: unknown[],
  meta: EventMetadata,
  timeoutMs = 10_000,
): Promise<AppendResult | null> {
  if (events.length === 0) return null;
  const t = typeof target === 'string' ? { subject: target } : target;
  return inAppendSpan(t.subject, events.length, meta, (traced) =>
    events.length === 1 ? appendOne(nc, t, expectedSeq, events[0], traced) : appendBatch(nc, t, expectedSeq, events, traced, timeoutMs),
  );
}
