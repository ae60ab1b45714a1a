import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { RequestContract, RequestInput, RequestOutput } from '@keelson/requests';
import {
  brokerLinkOf,
  brokerUnavailableReply,
  sendRequest,
  NATS,
  SERVICE_CONFIG,
  ServiceError,
  type CallOptions,
  type RequestContext,
  type ServiceConfig,
} from '@keelson/service-kit';
import { requestActor } from './request-actor.js';

/** The actor of a request made with the bootstrap admin token (`KEELSON_ADMIN_TOKEN`). */
export const adminActor = { kind: 'operator', id: 'admin' } as const;

/** A fresh context per request with the request's actor, so the audit log can tie each operator action to its events. */
export function operatorContext(): RequestContext {
  return { actor: requestActor(), commandId: randomUUID(), correlationId: randomUUID() };
}

/** Forwards an operator request to the service that owns it over NATS request/reply. */
@Injectable()
export class OperatorRequests {
  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {
    brokerLinkOf(nc); // follows the connection's status from now on, not from the first request
  }

  /**
   * Refused at once with `Unavailable` (a 503) while the api has no NATS server, instead of after the
   * request's timeout. `context` is the request's, fresh ids each call unless the caller needs to know them.
   */
  async call<C extends RequestContract>(
    contract: C,
    input: RequestInput<C>,
    options: CallOptions = {},
    context = operatorContext(),
  ): Promise<RequestOutput<C>> {
    if (brokerLinkOf(this.nc).isDown) throw new ServiceError('Unavailable', brokerUnavailableReply.code, brokerUnavailableReply.message);
    return sendRequest(this.nc, this.config.naming, contract, input, context, options);
  }
}
