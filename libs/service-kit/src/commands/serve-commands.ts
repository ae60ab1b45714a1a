import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { commandSubject, type CommandContract, type CommandOutput, type ParsedCommandInput } from '@keelson/commands';
import type { EventStoreNaming } from '@keelson/event-store';
import type { CommandContext } from './context.js';
import { answerRequest, readRequest, type OnCommandError } from './request.js';

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
  onError?: OnCommandError;
}

/**
 * Serves each handler on `cmd.<service>.<name>` in a queue group named after the service, so
 * replicas share the load. Requests are answered concurrently; the returned subscriptions are
 * drained by the caller on shutdown. Services answer through `@CommandPattern` controllers (the
 * `CommandServer`); this plain server is for test fixtures that play another service (fakes).
 */
export function serveCommands(nc: NatsConnection, naming: EventStoreNaming, handlers: CommandHandler[], options: ServeCommandsOptions = {}): Subscription[] {
  return handlers.map((handler) => {
    const subject = commandSubject(naming.subjectPrefix, handler.contract);
    return nc.subscribe(subject, {
      queue: handler.contract.service,
      callback: (err, msg) => {
        if (err) return options.onError?.(err, subject);
        void answerRequest(nc, handler.contract, readRequest(handler.contract, msg), (input, ctx) => handler.handle(input as never, ctx), options.onError);
      },
    });
  });
}
