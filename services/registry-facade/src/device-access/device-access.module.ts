import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { EventStore, eventStreams } from '@keelson/event-store';
import { parseRegistryEvent, type RegistryEvent } from '@keelson/events';
import { CLOCK, NATS, SERVICE_CONFIG, type Clock, type ServiceConfig } from '@keelson/service-kit';
import { DeviceAuthenticator } from './device-authenticator.js';
import { DeviceCertificateCheck } from './device-certificate-check.js';
import { deviceCertificateMemoryMsOf } from './device-certificate-memory.js';
import { DeviceRefusalLog } from './device-refusal-log.js';
import { auditFleetOf, refusalsPerMinuteOf } from './device-refusal-settings.js';
import { FleetDeviceCas } from './fleet-device-cas.js';
import { gatewayTrust } from './gateway-trust.js';
import { RevokedDevicesFeed } from './revoked-devices.feed.js';

const logger = new Logger('device-access');

/**
 * Makes the certificate check forget devices the gateway decommissions, re-enrolls or renews, and
 * learn the ones that enroll, for the lifetime of the app.
 */
@Injectable()
class RevokedDevicesRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly feed: RevokedDevicesFeed;

  constructor(@Inject(NATS) nc: NatsConnection, @Inject(SERVICE_CONFIG) config: ServiceConfig, @Inject(DeviceCertificateCheck) check: DeviceCertificateCheck) {
    this.feed = new RevokedDevicesFeed({
      nc, naming: config.naming,
      onRevoked: (deviceId) => check.forget(deviceId),
      onEnrolled: (device) => check.learn(device),
      onFollowing: () => check.current.following(),
      onLost: () => check.current.lost(),
      // Until the feed is back, a revoked certificate is refused at the latest when its remembered success expires.
      onError: (err) => logger.warn(`following device revocations: ${err instanceof Error ? err.message : String(err)}`),
    });
  }

  onApplicationBootstrap(): void {
    this.feed.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.feed.stop();
  }
}

/** Writes the device-access log's summaries each minute, and what is pending at shutdown. */
@Injectable()
class RefusalLogRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(@Inject(DeviceRefusalLog) private readonly log: DeviceRefusalLog) {}

  onApplicationBootstrap(): void {
    this.log.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.log.stop();
  }
}

/** Device authentication for the device-facing routes: mutual TLS, checked against what the gateway says. */
@Module({
  providers: [
    {
      provide: FleetDeviceCas,
      inject: [NATS, SERVICE_CONFIG, CLOCK],
      useFactory: (nc: NatsConnection, config: ServiceConfig, clock: Clock) => new FleetDeviceCas({ fetch: gatewayTrust(nc, config.naming).caCertificatesOf, clock }),
    },
    {
      provide: DeviceRefusalLog,
      inject: [NATS, SERVICE_CONFIG, FleetDeviceCas],
      useFactory: (nc: NatsConnection, config: ServiceConfig, cas: FleetDeviceCas) =>
        new DeviceRefusalLog({
          nc, naming: config.naming, auditFleet: auditFleetOf(config), perMinute: refusalsPerMinuteOf(config),
          store: new EventStore<RegistryEvent>({ nc, naming: config.naming, stream: eventStreams.registry, parse: parseRegistryEvent }),
          fleetExists: async (fleet) => (await cas.of(fleet)).length > 0,
          onError: (err) => logger.error(`device-access log: ${err instanceof Error ? err.message : String(err)}`),
        }),
    },
    {
      provide: DeviceCertificateCheck,
      inject: [NATS, SERVICE_CONFIG, CLOCK, FleetDeviceCas],
      useFactory: (nc: NatsConnection, config: ServiceConfig, clock: Clock, cas: FleetDeviceCas) =>
        new DeviceCertificateCheck({ casOf: (fleet) => cas.of(fleet), currentOf: gatewayTrust(nc, config.naming).currentOf, clock, ttlMs: deviceCertificateMemoryMsOf(config) }),
    },
    {
      provide: DeviceAuthenticator,
      inject: [DeviceCertificateCheck, DeviceRefusalLog, CLOCK],
      useFactory: (check: DeviceCertificateCheck, refusals: DeviceRefusalLog, clock: Clock) => new DeviceAuthenticator(check, refusals, clock),
    },
    RevokedDevicesRunner,
    RefusalLogRunner,
  ],
  exports: [DeviceAuthenticator, DeviceRefusalLog],
})
export class DeviceAccessModule {}
