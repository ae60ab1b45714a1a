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
          // Partitioned: replicas share the pushes. Each carries its generation and agents keep only the
          // newest they saw, so a push that overtakes another or comes twice changes nothing.
          reactors: [{ name: 'desired-state push', reactor: desiredStatePush(publisher), replicas: 'partitioned' }],
        }),
    },
  ],
  exports: [DesiredStatePublisher],
})
export class DesiredStateModule {}
