import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

export interface LargestEvent {
  stream: string;
  messages: number;
  /** The largest message: its payload bytes, with its headers, and its event type. */
  payloadBytes: number;
  withHeadersBytes: number;
  type: string;
  /** How many messages of each event type the stream (or subject) holds. */
  types: Record<string, number>;
}

const decoder = new TextDecoder();

/** Reads a whole stream (or one subject of it) once, with an ordered consumer: its largest message and its types. */
export async function largestEvent(nc: NatsConnection, stream: string, filter?: string): Promise<LargestEvent> {
  const js = jetstream(nc);
  const consumer = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.All, ...(filter ? { filter_subjects: [filter] } : {}) });
  const out: LargestEvent = { stream: filter ?? stream, messages: 0, payloadBytes: 0, withHeadersBytes: 0, type: '-', types: {} };
  const pending = (await consumer.info(true)).num_pending;
  if (pending === 0) return out;
  const messages = await consumer.consume({ max_messages: 1000 });
  for await (const m of messages) {
    out.messages++;
    const withHeaders = m.data.length + (m.headers ? m.headers.toString().length : 0);
    const type = (JSON.parse(decoder.decode(m.data)) as { type?: string }).type ?? '-';
    out.types[type] = (out.types[type] ?? 0) + 1;
    if (m.data.length > out.payloadBytes) {
      out.payloadBytes = m.data.length;
      out.type = type;
    }
    out.withHeadersBytes = Math.max(out.withHeadersBytes, withHeaders);
    if (m.info.pending === 0) break;
  }
  await messages.close();
  return out;
}
