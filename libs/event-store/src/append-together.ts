import { randomUUID } from 'node:crypto';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ConcurrencyError } from '@keelson/domain-kit';
import { eventHeaders, type EventMetadata } from './headers.js';

/** The events of one decision on one subject, validated by its store and waiting to be appended with others. */
export interface PendingWrite {
  readonly streamName: string;
  readonly subject: string;
  readonly expectedSeq: number;
  readonly events: readonly { type: string }[];
  readonly meta: EventMetadata;
}

const conflictCodes: number[] = [JetStreamApiCodes.StreamWrongLastSequence, JetStreamApiCodes.StreamWrongLastSequenceUnknown];
const batchDuplicateCode = 10201; // the commands were stored before (event ids derive from the command ids)
const encoder = new TextEncoder();

interface BatchAck {
  seq?: number;
  error?: { code: number; err_code: number; description: string };
}

/**
 * Appends the decisions of several subjects of one stream in one atomic batch (ADR-50): all of them
 * or none. Each subject is checked against its own expected sequence; if any moved, nothing is
 * stored and ConcurrencyError names the first write (the server does not say which subject moved).
 */
export async function appendTogether(nc: NatsConnection, writes: readonly PendingWrite[], timeoutMs = 10_000): Promise<void> {
  const first = writes[0];
  if (!first) return;
  if (writes.some((w) => w.streamName !== first.streamName)) throw new Error('appendTogether: every write must be on one stream');
  const messages = writes.flatMap((w) => w.events.map((event, i) => ({ w, event, i })));
  const batchId = randomUUID();
  let reply: BatchAck | undefined;
  for (const [n, { w, event, i }] of messages.entries()) {
    const h = eventHeaders(w.meta, i);
    h.set('Nats-Batch-Id', batchId);
    h.set('Nats-Batch-Sequence', String(n + 1));
    if (i === 0) h.set('Nats-Expected-Last-Subject-Sequence', String(w.expectedSeq));
    const data = encoder.encode(JSON.stringify(event));
    if (n < messages.length - 1) {
      nc.publish(w.subject, data, { headers: h });
      continue;
    }
    h.set('Nats-Batch-Commit', '1');
    reply = (await nc.request(w.subject, data, { headers: h, timeout: timeoutMs })).json<BatchAck>();
  }
  if (reply?.error?.err_code === batchDuplicateCode) return;
  if (reply?.error) {
    const cause = new JetStreamApiError({ code: reply.error.code, err_code: reply.error.err_code, description: reply.error.description });
    if (conflictCodes.includes(reply.error.err_code)) throw new ConcurrencyError(first.subject, first.expectedSeq, { cause });
    throw cause;
  }
  if (!reply?.seq) throw new Error(`batch ${batchId}: no sequence in the commit acknowledgement`);
}
