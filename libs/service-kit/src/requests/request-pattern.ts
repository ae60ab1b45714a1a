import { applyDecorators, Catch, UseFilters, type RpcExceptionFilter, type Type } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';
import type { RequestContract, RequestOutput, ParsedRequestInput } from '@keelson/requests';
import type { RequestContext } from './context.js';

/** The transport `@RequestPattern` handlers belong to: the `RequestServer`, never another Nest transport. */
export const REQUEST_TRANSPORT = Symbol('keelson-requests');

const contractsKey = Symbol('keelson-request-contracts');

/** The pattern a contract's handler is registered under in Nest: its subject without the prefix. */
export const requestPatternOf = (contract: Pick<RequestContract, 'service' | 'name'>): string => `cmd.${contract.service}.${contract.name}`;

/** What a controller method answering `C` looks like: the parsed input and the caller's context in, the output out. */
/** A request method's parsed input and its answer, for controllers' signatures. */
export type RequestIn<C extends RequestContract> = ParsedRequestInput<C>;
export type RequestOut<C extends RequestContract> = Promise<RequestOutput<C>>;

export type RequestMethod<C extends RequestContract> = (input: ParsedRequestInput<C>, ctx: RequestContext) => Promise<RequestOutput<C>>;

/**
 * Nest's default RPC filter logs any error that is not an `RpcException` and replaces it by a generic
 * one; the `RequestServer` maps errors itself (`reply-error.ts`), so a handler's error passes through.
 */
@Catch()
class PassRequestErrors implements RpcExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * Marks a controller method as the handler of `contract` (a `@MessagePattern` of the `RequestServer`).
 * The server parses the input with the contract's schema and passes the caller's context; the
 * controller is listed in its module's declaration (`requestControllers`), which says when it is served.
 */
export function RequestPattern<C extends RequestContract>(contract: C) {
  const decorate = applyDecorators(
    MessagePattern(requestPatternOf(contract), REQUEST_TRANSPORT, { contract }),
    UseFilters(new PassRequestErrors()),
  );
  return <M extends RequestMethod<C>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<M>): void => {
    decorate(target, key, descriptor);
    // Without parameter metadata Nest passes the payload alone; the second argument is the context.
    Payload()(target, key, 0);
    Ctx()(target, key, 1);
    const controller = target.constructor;
    Reflect.defineMetadata(contractsKey, [...contractsOf(controller as Type), contract], controller);
  };
}

/** The contracts a controller answers, in the order its methods are declared. */
export function contractsOf(controller: Type): RequestContract[] {
  return (Reflect.getMetadata(contractsKey, controller) as RequestContract[] | undefined) ?? [];
}
