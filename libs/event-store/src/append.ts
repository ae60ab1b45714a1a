import { randomUUID } from 'node:crypto';
import { JetStreamApiCodes, JetStreamApiError, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ConcurrencyError } from '@keelson/domain-kit';
import { eventHeaders, type EventMetadata } from './headers.js';

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

interface BatchAck {
  stream?: string;
  seq?: number;
  duplicate?: boolean;
  count?: number;
  error?: { code: number; err_code: number; description: string };
}

function conflict(subject: string, expectedSeq: number, cause: unknown): ConcurrencyError {
  return new ConcurrencyError(subject, expectedSeq, { cause });
}

async function appendOne(js: JetStreamClient, subject: string, expectedSeq: number, event: unknown, meta: EventMetadata): Promise<AppendResult> {
  try {
    const ack = await js.publish(subject, encoder.encode(JSON.stringify(event)), {
      headers: eventHeaders(meta, 0),
      msgID: `${meta.commandId}:0`, // same decision published twice -> stored once
      expect: { lastSubjectSequence: expectedSeq }, // 0 = the subject must still be empty
    });
    return { firstSeq: ack.seq, lastSeq: ack.seq, duplicate: ack.duplicate };
  } catch (err) {
    if (err instanceof JetStreamApiError && conflictCodes.includes(err.code)) throw conflict(subject, expectedSeq, err);
    throw err;
  }
}

// Atomic batch publish (ADR-50, nats-server >= 2.12): the server stages every message of the batch
// and stores all of them or none when the commit arrives. Only the commit is acknowledged.
async function appendBatch(nc: NatsConnection, subject: string, expectedSeq: number, events: unknown[], meta: EventMetadata, timeoutMs: number): Promise<AppendResult> {
  const batchId = randomUUID();
  let reply: BatchAck | undefined;
  for (const [i, event] of events.entries()) {
    const h = eventHeaders(meta, i);
    h.set('Nats-Batch-Id', batchId);
    h.set('Nats-Batch-Sequence', String(i + 1));
    if (i === 0) h.set('Nats-Expected-Last-Subject-Sequence', String(expectedSeq));
    const data = encoder.encode(JSON.stringify(event));
    if (i < events.length - 1) {
      nc.publish(subject, data, { headers: h });
      continue;
    }
    h.set('Nats-Batch-Commit', '1');
    const msg = await nc.request(subject, data, { headers: h, timeout: timeoutMs });
    reply = msg.json<BatchAck>();
  }
  if (reply?.error?.err_code === batchDuplicateCode) return { firstSeq: 0, lastSeq: 0, duplicate: true };
  if (reply?.error) {
    const cause = new JetStreamApiError({ code: reply.error.code, err_code: reply.error.err_code, description: reply.error.description });
    if (conflictCodes.includes(reply.error.err_code)) throw conflict(subject, expectedSeq, cause);
    throw cause;
  }
  if (!reply?.seq) throw new Error(`batch ${batchId} on ${subject}: no sequence in the commit acknowledgement`);
  return { firstSeq: reply.seq - events.length + 1, lastSeq: reply.seq, duplicate: reply.duplicate === true };
}

/**
 * Appends the events of one decision to `subject`, unless someone else appended after
 * `expectedSeq` (then ConcurrencyError). Several events land atomically or not at all.
 */
export async function appendEvents(nc: NatsConnection, js: JetStreamClient, subject: string, expectedSeq: number, events: unknown[], meta: EventMetadata, timeoutMs = 10_000): Promise<AppendResult | null> {
  if (events.length === 0) return null;
  if (events.length === 1) return appendOne(js, subject, expectedSeq, events[0], meta);
  return appendBatch(nc, subject, expectedSeq, events, meta, timeoutMs);
}
