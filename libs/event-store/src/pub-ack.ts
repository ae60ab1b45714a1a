import { JetStreamApiCodes, JetStreamApiError, JetStreamError, type ApiError } from '@nats-io/jetstream';
import { jserrors } from '@nats-io/jetstream/internal';
import { NoRespondersError, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { replyMuxOf } from '@keelson/nats-kit';

/** What JetStream answers to a publish into a stream (a single message, or an atomic batch's commit). */
export interface PubAckReply {
  stream?: string;
  seq?: number;
  duplicate?: boolean;
  count?: number;
  error?: ApiError;
}

// nats.js's JetStream client waits 5 s for a PubAck unless told otherwise; appends kept that.
export const pubAckTimeoutMs = 5_000;
const decoder = new TextDecoder();

/**
 * A publish into a stream as a request over the connection's reply mux (`@keelson/nats-kit`): the
 * PubAck comes back on the mux's reply subject. Same outcomes as nats.js's `js.publish`, without
 * the `RequestError` it builds (stack and all) at the end of every answered request: no stream
 * listening → `JetStreamNotEnabled`, a timeout → `TimeoutError`, a refused publish →
 * `PermissionViolationError`. The reply is returned as sent; `throwIfRefused` turns its `error`
 * into the error nats.js would throw.
 */
export async function publishForAck(
  nc: NatsConnection,
  subject: string,
  data: Uint8Array,
  headers: MsgHdrs,
  timeoutMs: number,
): Promise<PubAckReply> {
  let msg: Msg;
  try {
    msg = await replyMuxOf(nc).request(subject, data, { timeoutMs, headers });
  } catch (err) {
    if (err instanceof NoRespondersError) throw new jserrors.JetStreamNotEnabled('jetstream is not enabled', { cause: err });
    throw err;
  }
  return JSON.parse(decoder.decode(msg.data)) as PubAckReply;
}

/** The error nats.js's `parseJsResponse` throws for a PubAck that carries one (none: returns). */
export function throwIfRefused(reply: PubAckReply): void {
  const e = reply.error;
  if (!e) return;
  switch (e.err_code) {
    case JetStreamApiCodes.StreamNotFound:
      throw new jserrors.StreamNotFoundError(e);
    case JetStreamApiCodes.JetStreamNotEnabledForAccount: {
      const cause = new JetStreamApiError(e);
      throw new jserrors.JetStreamNotEnabled(cause.message, { cause });
    }
    default:
      throw new JetStreamApiError(e);
  }
}

/** A single publish's PubAck, checked as `js.publish` checks it. */
export function singleAck(reply: PubAckReply): { seq: number; duplicate: boolean } {
  throwIfRefused(reply);
  if (!reply.stream) throw new JetStreamError('invalid ack response');
  return { seq: reply.seq ?? 0, duplicate: reply.duplicate === true };
}
