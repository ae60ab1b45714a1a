import { randomUUID } from 'node:crypto';
import { NoRespondersError, TimeoutError, type NatsConnection } from '@nats-io/transport-node';
import { commandSubject, CommandReply, type CommandContract, type CommandInput, type CommandOutput } from '@keelson/commands';
import type { EventStoreNaming } from '@keelson/event-store';
import { ServiceError } from '../errors.js';
import { contextHeaders, type CommandContext } from './context.js';
import { fromReplyError } from './reply-error.js';
import { inCommandSpan } from './command-span.js';
import { replyMuxOf } from '@keelson/nats-kit';

export interface CallOptions {
  timeoutMs?: number;
}

/**
 * Sends a request to the service that owns `contract` and returns its parsed output. Throws the
 * DomainError the other side threw, or a ServiceError (`Unavailable` when nobody answers in time).
 * The request carries the trace context of its client span (`inCommandSpan`) in `traceparent`.
 */
export async function callCommand<C extends CommandContract>(
  nc: NatsConnection,
  naming: EventStoreNaming,
  contract: C,
  input: CommandInput<C>,
  ctx: CommandContext = { actor: { kind: 'system', id: 'keelson' }, commandId: randomUUID(), correlationId: randomUUID() },
  options: CallOptions = {},
): Promise<CommandOutput<C>> {
  const subject = commandSubject(naming.subjectPrefix, contract);
  let text: string;
  try {
    const request = (sent: CommandContext) => replyMuxOf(nc).request(subject, JSON.stringify(input), { timeoutMs: options.timeoutMs ?? 15_000, headers: contextHeaders(sent) });
    const msg = await inCommandSpan(subject, ctx, request);
    text = msg.string();
  } catch (err) {
    if (err instanceof TimeoutError || err instanceof NoRespondersError) {
      throw new ServiceError('Unavailable', `${contract.service}.unavailable`, `the ${contract.service} service did not answer ${contract.name}`, { cause: err });
    }
    throw err;
  }
  const reply = CommandReply.parse(JSON.parse(text));
  if (!reply.ok) throw fromReplyError(reply.error, contract.service);
  return contract.output.parse(reply.result) as CommandOutput<C>;
}
