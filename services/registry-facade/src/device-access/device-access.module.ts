import { Logger, Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { EventStore, eventStreams } from '@keelson/event-store';
import { parseRegistryEvent, type RegistryEvent } from '@keelson/events';
import {
  CLOCK,
  declareModule,
  describeError,
  NATS,
  SERVICE_CONFIG,
  type Clock,
  type ModuleDeclaration,
  type ServiceConfig,
} from '@keelson/service-kit';
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
 * learn the ones that enroll; and writes the device-access log's summaries each minute, and what is
 * pending at shutdown. Both for the lifetime of the app.
 */
function deviceAccessDeclaration(
  nc: NatsConnection,
  config: ServiceConfig,
  check: DeviceCertificateCheck,
  log: DeviceRefusalLog,
): ModuleDeclaration {
  const feed = new RevokedDevicesFeed({
    nc,
    naming: config.naming,
    onRevoked: (deviceId) => check.forget(deviceId),
    onEnrolled: (device) => check.learn(device),
    onFollowing: () => check.current.following(),
    onLost: () => check.current.lost(),
    // Until the feed is back, a revoked certificate is refused at the latest when its remembered success expires.
    onError: (err) => logger.warn(`following device revocations: ${describeError(err)}`),
  });
  return {
    module: 'device-access',
    reactors: [
      // In every replica: its own cache of revoked devices, its own refusal summaries.
      { name: 'revoked devices feed', replicas: 'every-replica', start: () => feed.start(), stop: () => feed.stop() },
      { name: 'device-access log', replicas: 'every-replica', start: () => log.start(), stop: () => log.stop() },
    ],
  };
}

const DEVICE_ACCESS_DECLARATION = Symbol('DeviceAccessDeclaration');

/** Device authentication for the device-facing routes: mutual TLS, checked against what the gateway says. */
@Module({
  providers: [
    {
      provide: FleetDeviceCas,
      inject: [NATS, SERVICE_CONFIG, CLOCK],
      useFactory: (nc: NatsConnection, config: ServiceConfig, clock: Clock) =>
        new FleetDeviceCas({ fetch: gatewayTrust(nc, config.naming).caCertificatesOf, clock }),
    },
    {
      provide: DeviceRefusalLog,
      inject: [NATS, SERVICE_CONFIG, FleetDeviceCas],
      useFactory: (nc: NatsConnection, config: ServiceConfig, cas: FleetDeviceCas) =>
        new DeviceRefusalLog({
          nc,
          naming: config.naming,
          auditFleet: auditFleetOf(config),
          perMinute: refusalsPerMinuteOf(config),
          store: new EventStore<RegistryEvent>({ nc, naming: config.naming, stream: eventStreams.registry, parse: parseRegistryEvent }),
          fleetExists: async (fleet) => (await cas.of(fleet)).length > 0,
          onError: (err) => logger.error(`device-access log: ${err instanceof Error ? err.message : String(err)}`),
        }),
    },
    {
      provide: DeviceCertificateCheck,
      inject: [NATS, SERVICE_CONFIG, CLOCK, FleetDeviceCas],
      useFactory: (nc: NatsConnection, config: ServiceConfig, clock: Clock, cas: FleetDeviceCas) =>
        new DeviceCertificateCheck({
          casOf: (fleet) => cas.of(fleet),
          currentOf: gatewayTrust(nc, config.naming).currentOf,
          clock,
          ttlMs: deviceCertificateMemoryMsOf(config),
        }),
    },
    {
      provide: DeviceAuthenticator,
      inject: [DeviceCertificateCheck, DeviceRefusalLog, CLOCK],
      useFactory: (check: DeviceCertificateCheck, refusals: DeviceRefusalLog, clock: Clock) =>
        new DeviceAuthenticator(check, refusals, clock),
    },
    {
      provide: DEVICE_ACCESS_DECLARATION,
      inject: [NATS, SERVICE_CONFIG, DeviceCertificateCheck, DeviceRefusalLog],
      useFactory: (nc: NatsConnection, config: ServiceConfig, check: DeviceCertificateCheck, log: DeviceRefusalLog) =>
        declareModule(deviceAccessDeclaration(nc, config, check, log)),
    },
  ],
  exports: [DeviceAuthenticator, DeviceRefusalLog],
})
export class DeviceAccessModule {}
