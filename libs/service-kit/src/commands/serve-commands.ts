import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { InvalidInput } from '@keelson/domain-kit';
import { commandSubject, type CommandContract, type CommandOutput, type CommandReply, type ParsedCommandInput } from '@keelson/commands';
import { toInputIssues } from '@keelson/events';
import type { EventStoreNaming } from '@keelson/event-store';
import { contextFrom, type CommandContext } from './context.js';
import { toReplyError } from './reply-error.js';

/** Answers one contract: gets parsed input and the caller's context, returns the contract's output. */
export interface CommandHandler<C extends CommandContract = CommandContract> {
  contract: C;
  handle(input: ParsedCommandInput<C>, ctx: CommandContext): Promise<CommandOutput<C>>;
}

/** Pairs a contract with its handler, keeping the types of both. */
export function handlerFor<C extends CommandContract>(contract: C, handle: CommandHandler<C>['handle']): CommandHandler<C> {
  return { contract, handle };
}

export interface ServeCommandsOptions {
  /** Told about every request that failed for a reason other than a domain refusal. */
  onError?: (err: unknown, subject: string) => void;
}

const encoder = new TextEncoder();

function parseRequest(contract: CommandContract, msg: Msg): unknown {
  let raw: unknown;
  try {
    raw = msg.data.length ? JSON.parse(msg.string()) : {};
  } catch {
    throw new InvalidInput('request.malformed', [{ path: [], message: 'the request is not JSON' }]);
  }
  const parsed = contract.input.safeParse(raw);
  if (!parsed.success) throw new InvalidInput('request.invalid', toInputIssues(parsed.error));
  return parsed.data;
}

/**
 * A request as read the moment it arrives: its subject, where to answer, and its parsed input and
 * context (or why it could not be read). The Msg itself is not kept while the handler runs: its
 * payload is a view into the connection's read buffer (nats.js), so a request waiting on a slow
 * handler (a database round trip under load) kept that whole buffer, up to 64 KiB of everything the
 * connection had received, alive; promoted to the old generation, until the next full collection.
 */
interface ReadRequest {
  subject: string;
  reply: string | undefined;
  read: { input: unknown; ctx: CommandContext } | { failed: unknown };
}

function readRequest(contract: CommandContract, msg: Msg): ReadRequest {
  const { subject, reply } = msg;
  try {
    return { subject, reply, read: { input: parseRequest(contract, msg), ctx: contextFrom(msg.headers) } };
  } catch (failed) {
    return { subject, reply, read: { failed } };
  }
}

async function answer(nc: NatsConnection, handler: CommandHandler, request: ReadRequest, options: ServeCommandsOptions): Promise<void> {
  let reply: CommandReply;
  try {
    if ('failed' in request.read) throw request.read.failed;
    const result = await handler.handle(request.read.input as never, request.read.ctx);
    reply = { ok: true, result: handler.contract.output.parse(result) };
  } catch (err) {
    reply = { ok: false, error: toReplyError(err) };
    if (reply.error.kind === 'Internal' || reply.error.kind === 'Unavailable') options.onError?.(err, request.subject);
  }
  if (request.reply) nc.publish(request.reply, encoder.encode(JSON.stringify(reply)));
}

/**
 * Serves each handler on `cmd.<service>.<name>` in a queue group named after the service, so
 * replicas share the load. Requests are answered concurrently; the returned subscriptions are
 * drained by the caller on shutdown.
 */
export function serveCommands(nc: NatsConnection, naming: EventStoreNaming, handlers: CommandHandler[], options: ServeCommandsOptions = {}): Subscription[] {
  return handlers.map((handler) => {
    const subject = commandSubject(naming.subjectPrefix, handler.contract);
    return nc.subscribe(subject, {
      queue: handler.contract.service,
      callback: (err, msg) => {
        if (err) return options.onError?.(err, subject);
        void answer(nc, handler, readRequest(handler.contract, msg), options);
      },
    });
  });
}
