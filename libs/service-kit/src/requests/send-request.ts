import { randomUUID } from 'node:crypto';
import { NoRespondersError, TimeoutError, type NatsConnection } from '@nats-io/transport-node';
import { requestSubject, RequestReply, type RequestContract, type RequestInput, type RequestOutput } from '@keelson/requests';
import type { EventStoreNaming } from '@keelson/event-store';
import { ServiceError } from '../errors.js';
import { contextHeaders, type RequestContext } from './context.js';
import { fromReplyError } from './reply-error.js';
import { inRequestSpan } from './request-span.js';
import { replyMuxOf } from '@keelson/nats-kit';

export interface CallOptions {
  timeoutMs?: number;
}

/**
 * Sends a request to the service that owns `contract` and returns its parsed output. Throws the
 * DomainError the other side threw, or a ServiceError (`Unavailable` when nobody answers in time).
 * The request carries the trace context of its client span (`inRequestSpan`) in `traceparent`.
 */
export async function sendRequest<C extends RequestContract>(
  nc: NatsConnection,
  naming: EventStoreNaming,
  contract: C,
  input: RequestInput<C>,
  ctx: RequestContext = { actor: { kind: 'system', id: 'keelson' }, commandId: randomUUID(), correlationId: randomUUID() },
  options: CallOptions = {},
): Promise<RequestOutput<C>> {
  const subject = requestSubject(naming.subjectPrefix, contract);
  let text: string;
  try {
    const request = (sent: RequestContext) =>
      replyMuxOf(nc).request(subject, JSON.stringify(input), { timeoutMs: options.timeoutMs ?? 15_000, headers: contextHeaders(sent) });
    const msg = await inRequestSpan(subject, ctx, request);
    text = msg.string();
  } catch (err) {
    if (err instanceof TimeoutError || err instanceof NoRespondersError) {
      throw new ServiceError(
        'Unavailable',
        `${contract.service}.unavailable`,
        `the ${contract.service} service did not answer ${contract.name}`,
        { cause: err },
      );
    }
    throw err;
  }
  const reply = RequestReply.parse(JSON.parse(text));
  if (!reply.ok) throw fromReplyError(reply.error, contract.service);
  return contract.output.parse(reply.result) as RequestOutput<C>;
}
