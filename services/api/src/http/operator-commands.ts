import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { CommandContract, CommandInput, CommandOutput } from '@keelson/commands';
import { callCommand, NATS, SERVICE_CONFIG, type CallOptions, type CommandContext, type ServiceConfig } from '@keelson/service-kit';
import { requestActor } from './request-actor.js';

/** The actor of a request made with the bootstrap admin token (`KEELSON_ADMIN_TOKEN`). */
export const adminActor = { kind: 'operator', id: 'admin' } as const;

/** A fresh context per request with the request's actor, so the audit log can tie each operator action to its events. */
export function operatorContext(): CommandContext {
  return { actor: requestActor(), commandId: randomUUID(), correlationId: randomUUID() };
}

/** Forwards an operator request to the service that owns it over NATS request/reply. */
@Injectable()
export class OperatorCommands {
  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  call<C extends CommandContract>(contract: C, input: CommandInput<C>, options: CallOptions = {}): Promise<CommandOutput<C>> {
    return callCommand(this.nc, this.config.naming, contract, input, operatorContext(), options);
  }
}
