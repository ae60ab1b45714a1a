import { Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { declareModule, NATS, SERVICE_CONFIG, type ServiceConfig } from '@keelson/service-kit';
import { DesiredStatePublisher, desiredStatePush } from './desired-state.publisher.js';

const DESIRED_STATE_DECLARATION = Symbol('DesiredStateDeclaration');

/**
 * Desired state towards devices: follows `DesiredStateChanged` and pushes each new desired state to
 * its device on `<prefix>keelson.cmd.<deviceId>.desired`.
 */
@Module({
  providers: [
    {
      provide: DesiredStatePublisher,
      inject: [NATS, SERVICE_CONFIG],
      useFactory: (nc: NatsConnection, config: ServiceConfig) => new DesiredStatePublisher(nc, config.naming.subjectPrefix),
    },
    {
      provide: DESIRED_STATE_DECLARATION,
      inject: [DesiredStatePublisher],
      useFactory: (publisher: DesiredStatePublisher) =>
        declareModule({
          module: 'desired-state',
          reactors: [{ name: 'desired-state push', reactor: desiredStatePush(publisher) }],
        }),
    },
  ],
  exports: [DesiredStatePublisher],
})
export class DesiredStateModule {}
