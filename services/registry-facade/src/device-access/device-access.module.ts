import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { CLOCK, NATS, SERVICE_CONFIG, type Clock, type ServiceConfig } from '@keelson/service-kit';
import { DeviceAuthenticator, gatewayCheck } from './device-authenticator.js';
import { RevokedDevicesFeed } from './revoked-devices.feed.js';

/** Makes the authenticator forget devices the gateway decommissions or re-enrolls, for the lifetime of the app. */
@Injectable()
class RevokedDevicesRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('device-access');
  private readonly feed: RevokedDevicesFeed;

  constructor(@Inject(NATS) nc: NatsConnection, @Inject(SERVICE_CONFIG) config: ServiceConfig, @Inject(DeviceAuthenticator) authenticator: DeviceAuthenticator) {
    this.feed = new RevokedDevicesFeed({
      nc, naming: config.naming, onRevoked: (deviceId) => authenticator.forget(deviceId),
      // Until the feed is back, a revoked device is refused at the latest when its remembered success expires.
      onError: (err) => this.logger.warn(`following device revocations: ${err instanceof Error ? err.message : String(err)}`),
    });
  }

  onApplicationBootstrap(): void {
    this.feed.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.feed.stop();
  }
}

/** Device authentication for the device-facing routes, checked by the gateway. */
@Module({
  providers: [
    {
      provide: DeviceAuthenticator,
      inject: [NATS, SERVICE_CONFIG, CLOCK],
      useFactory: (nc: NatsConnection, config: ServiceConfig, clock: Clock) => new DeviceAuthenticator({ check: gatewayCheck(nc, config.naming), clock }),
    },
    RevokedDevicesRunner,
  ],
  exports: [DeviceAuthenticator],
})
export class DeviceAccessModule {}
