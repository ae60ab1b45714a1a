import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { CLOCK, NATS, SERVICE_CONFIG, type Clock, type ServiceConfig } from '@keelson/service-kit';
import { DeviceAuthenticator } from './device-authenticator.js';
import { DeviceCertificateCheck } from './device-certificate-check.js';
import { FleetDeviceCas } from './fleet-device-cas.js';
import { gatewayTrust } from './gateway-trust.js';
import { RevokedDevicesFeed } from './revoked-devices.feed.js';

/** Makes the authenticator forget devices the gateway decommissions, re-enrolls or renews, for the lifetime of the app. */
@Injectable()
class RevokedDevicesRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('device-access');
  private readonly feed: RevokedDevicesFeed;

  constructor(@Inject(NATS) nc: NatsConnection, @Inject(SERVICE_CONFIG) config: ServiceConfig, @Inject(DeviceAuthenticator) authenticator: DeviceAuthenticator) {
    this.feed = new RevokedDevicesFeed({
      nc, naming: config.naming, onRevoked: (deviceId) => authenticator.forget(deviceId),
      // Until the feed is back, a revoked certificate is refused at the latest when its remembered success expires.
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

/** Device authentication for the device-facing routes: mutual TLS, checked against what the gateway says. */
@Module({
  providers: [
    {
      provide: DeviceAuthenticator,
      inject: [NATS, SERVICE_CONFIG, CLOCK],
      useFactory: (nc: NatsConnection, config: ServiceConfig, clock: Clock) => {
        const trust = gatewayTrust(nc, config.naming);
        const cas = new FleetDeviceCas({ fetch: trust.caCertificatesOf, clock });
        return new DeviceAuthenticator(new DeviceCertificateCheck({ casOf: (fleet) => cas.of(fleet), currentOf: trust.currentOf, clock }));
      },
    },
    RevokedDevicesRunner,
  ],
  exports: [DeviceAuthenticator],
})
export class DeviceAccessModule {}
