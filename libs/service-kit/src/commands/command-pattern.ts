import { applyDecorators, Catch, UseFilters, type RpcExceptionFilter, type Type } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';
import type { CommandContract, CommandOutput, ParsedCommandInput } from '@keelson/commands';
import type { CommandContext } from './context.js';

/** The transport `@CommandPattern` handlers belong to: the `CommandServer`, never another Nest transport. */
export const COMMAND_TRANSPORT = Symbol('keelson-commands');

const contractsKey = Symbol('keelson-command-contracts');

/** The pattern a contract's handler is registered under in Nest: its subject without the prefix. */
export const commandPatternOf = (contract: Pick<CommandContract, 'service' | 'name'>): string => `cmd.${contract.service}.${contract.name}`;

/** What a controller method answering `C` looks like: the parsed input and the caller's context in, the output out. */
/** A command method's parsed input and its answer, for controllers' signatures. */
export type CommandIn<C extends CommandContract> = ParsedCommandInput<C>;
export type CommandOut<C extends CommandContract> = Promise<CommandOutput<C>>;

export type CommandMethod<C extends CommandContract> = (input: ParsedCommandInput<C>, ctx: CommandContext) => Promise<CommandOutput<C>>;

/**
 * Nest's default RPC filter logs any error that is not an `RpcException` and replaces it by a generic
 * one; the `CommandServer` maps errors itself (`reply-error.ts`), so a command's error passes through.
 */
@Catch()
class PassCommandErrors implements RpcExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * Marks a controller method as the handler of `contract` (a `@MessagePattern` of the `CommandServer`).
 * The server parses the input with the contract's schema and passes the caller's context; the
 * controller is listed in its module's declaration (`commandControllers`), which says when it is served.
 */
export function CommandPattern<C extends CommandContract>(contract: C) {
  const decorate = applyDecorators(MessagePattern(commandPatternOf(contract), COMMAND_TRANSPORT, { contract }), UseFilters(new PassCommandErrors()));
  return <M extends CommandMethod<C>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<M>): void => {
    decorate(target, key, descriptor);
    // Without parameter metadata Nest passes the payload alone; the second argument is the context.
    Payload()(target, key, 0);
    Ctx()(target, key, 1);
    const controller = target.constructor;
    Reflect.defineMetadata(contractsKey, [...contractsOf(controller as Type), contract], controller);
  };
}

/** The contracts a controller answers, in the order its methods are declared. */
export function contractsOf(controller: Type): CommandContract[] {
  return (Reflect.getMetadata(contractsKey, controller) as CommandContract[] | undefined) ?? [];
}
