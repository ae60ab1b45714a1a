import { Inject, Injectable } from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { requestSubject, type RequestContract } from '@keelson/requests';
import type { ServiceConfig } from '../config.js';
import { NATS, SERVICE_CONFIG } from '../tokens.js';
import { REQUEST_TRANSPORT, requestPatternOf } from './request-pattern.js';
import { answerRequest, readRequest, type OnRequestError } from './request.js';

/** The contracts one module serves, until stopped (drained). */
export interface ServedRequests {
  stop(): Promise<void>;
}

/**
 * The Nest transport of `@RequestPattern` handlers, over the service's own NATS connection. Nest
 * registers the handlers when the app connects it (`createServiceApp`); the `ServiceRunner` opens
 * each module's subjects (`serve`) after the module's projections and reactors, and drains them
 * first at shutdown. A request is `cmd.<service>.<name>` with the raw JSON input and the context in
 * headers, in a queue group named after the service; the reply is a `RequestReply`.
 */
@Injectable()
export class RequestServer extends Server implements CustomTransportStrategy {
  override readonly transportId = REQUEST_TRANSPORT;
  private readonly serving = new Set<Subscription>();

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {
    super();
  }

  /** Nest's start (`startAllMicroservices`): nothing opens here, the `ServiceRunner` serves each module in its turn. */
  listen(callback: () => void): void {
    callback();
  }

  /** Nest's stop, after the `ServiceRunner` drained every module's subjects: drains any left. */
  async close(): Promise<void> {
    await Promise.all([...this.serving].map((s) => s.drain()));
    this.serving.clear();
  }

  on(): never {
    throw new Error('the request transport emits no events');
  }

  unwrap<T>(): T {
    return this.nc as T;
  }

  /** Patterns Nest registered that none of `declared` names: handlers that would never be served. */
  undeclared(declared: RequestContract[]): string[] {
    const names = new Set(declared.map(requestPatternOf));
    return [...this.getHandlers().keys()].filter((pattern) => !names.has(pattern));
  }

  /** Subscribes to each contract's subject; throws, subscribing none, when one has no registered handler. */
  serve(contracts: RequestContract[], onError?: OnRequestError): ServedRequests {
    const handlers = contracts.map((contract) => {
      const handler = this.getHandlerByPattern(requestPatternOf(contract));
      if (!handler)
        throw new Error(
          `no handler of ${requestPatternOf(contract)} is registered (a controller of the app created with createServiceApp, method marked @RequestPattern)`,
        );
      return {
        contract,
        run: (input: unknown, ctx: unknown) => handler(input, ctx).then((out) => lastValueFrom(this.transformToObservable(out))),
      };
    });
    const subscriptions = handlers.map(({ contract, run }) => {
      const subject = requestSubject(this.config.naming.subjectPrefix, contract);
      return this.nc.subscribe(subject, {
        queue: contract.service,
        callback: (err, msg) => {
          if (err) return onError?.(err, subject);
          void answerRequest(this.nc, contract, readRequest(contract, msg), run, onError);
        },
      });
    });
    for (const s of subscriptions) this.serving.add(s);
    return {
      stop: async () => {
        await Promise.all(subscriptions.map((s) => s.drain()));
        for (const s of subscriptions) this.serving.delete(s);
      },
    };
  }
}
