import { Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { CLOCK, NATS, SERVICE_CONFIG, type Clock, type ServiceConfig } from '@keelson/service-kit';
import { DeviceAuthenticator, gatewayCheck } from './device-authenticator.js';

/** Device authentication for the device-facing routes, checked by the gateway. */
@Module({
  providers: [
    {
      provide: DeviceAuthenticator,
      inject: [NATS, SERVICE_CONFIG, CLOCK],
      useFactory: (nc: NatsConnection, config: ServiceConfig, clock: Clock) => new DeviceAuthenticator({ check: gatewayCheck(nc, config.naming), clock }),
    },
  ],
  exports: [DeviceAuthenticator],
})
export class DeviceAccessModule {}
