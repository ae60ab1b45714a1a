import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { requestSubject, type RequestContract, type RequestOutput, type ParsedRequestInput } from '@keelson/requests';
import type { EventStoreNaming } from '@keelson/event-store';
import type { RequestContext } from './context.js';
import { answerRequest, readRequest, type OnRequestError } from './request.js';

/** Answers one contract: gets parsed input and the caller's context, returns the contract's output. */
export interface RequestHandler<C extends RequestContract = RequestContract> {
  contract: C;
  handle(input: ParsedRequestInput<C>, ctx: RequestContext): Promise<RequestOutput<C>>;
}

/** Pairs a contract with its handler, keeping the types of both. */
export function handlerFor<C extends RequestContract>(contract: C, handle: RequestHandler<C>['handle']): RequestHandler<C> {
  return { contract, handle };
}

export interface ServeRequestsOptions {
  onError?: OnRequestError;
}

/**
 * Serves each handler on `cmd.<service>.<name>` in a queue group named after the service, so
 * replicas share the load. Requests are answered concurrently; the returned subscriptions are
 * drained by the caller on shutdown. Services answer through `@RequestPattern` controllers (the
 * `RequestServer`); this plain server is for test fixtures that play another service (fakes).
 */
export function serveRequests(
  nc: NatsConnection,
  naming: EventStoreNaming,
  handlers: RequestHandler[],
  options: ServeRequestsOptions = {},
): Subscription[] {
  return handlers.map((handler) => {
    const subject = requestSubject(naming.subjectPrefix, handler.contract);
    return nc.subscribe(subject, {
      queue: handler.contract.service,
      callback: (err, msg) => {
        if (err) return options.onError?.(err, subject);
        void answerRequest(
          nc,
          handler.contract,
          readRequest(handler.contract, msg),
          (input, ctx) => handler.handle(input as never, ctx),
          options.onError,
        );
      },
    });
  });
}
