import { Logger, Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NatsConnection } from '@nats-io/transport-node';
import { signer } from '@keelson/requests';
import { eventStreams, EventStore } from '@keelson/event-store';
import {
  parseDeviceEvent,
  parseEnrollmentEvent,
  parseGroupEvent,
  type DeviceEvent,
  type EnrollmentEvent,
  type GroupEvent,
} from '@keelson/events';
import type { Database } from '@keelson/postgres';
import {
  sendRequest,
  CLOCK,
  DATABASE,
  declareModule,
  NATS,
  newContext,
  requireDatabase,
  requireEnv,
  SERVICE_CONFIG,
  type Clock,
  type ServiceConfig,
} from '@keelson/service-kit';
import { credentialsTables } from '../credentials/credentials.migrations.js';
import { DeviceCredentialsStore } from '../credentials/device-credentials.store.js';
import { DeviceCertificateAuthority } from '../device-ca/device-ca.js';
import { deviceCaOptionsOf } from '../device-ca/device-ca.settings.js';
import { DeviceEnrollment } from './enroll-device.js';
import { EnrollController } from './enroll.controller.js';
import { auditFleetOf, enrollmentDeclaration, refusalsPerMinuteOf } from './enrollment.declaration.js';
import { enrollRouteInstaller } from './enroll-route.installer.js';
import { EnrollmentRequests } from './enrollment-requests.controller.js';
import { EnrollmentTokens } from './enrollment-tokens.js';
import { topicRootOf } from './enroll-request.js';
import { RefusalLog } from './refusal-log.js';
import { RootCache } from './root-cache.js';

const logger = new Logger('enrollment');

const ENROLLMENT_DECLARATION = Symbol('EnrollmentDeclaration');

/**
 * Enrollment: `POST /v1/enroll`, the enrollment-token commands, the fleets' device CAs. Needs the
 * global InfrastructureModule, `KEELSON_MQTT_URL` and `KEELSON_FACADE_URL`.
 */
@Module({
  controllers: [EnrollController, EnrollmentRequests],
  providers: [
    {
      provide: ENROLLMENT_DECLARATION,
      inject: [NATS, SERVICE_CONFIG, CLOCK, DeviceCertificateAuthority, RootCache, RefusalLog, HttpAdapterHost, DeviceEnrollment],
      useFactory: (
        nc: NatsConnection,
        config: ServiceConfig,
        clock: Clock,
        ca: DeviceCertificateAuthority,
        roots: RootCache,
        refusals: RefusalLog,
        host: HttpAdapterHost,
        enrollment: DeviceEnrollment,
      ) =>
        declareModule(
          enrollmentDeclaration({ nc, config, clock, ca, roots, refusals, enrollRoute: enrollRouteInstaller(host, enrollment) }),
        ),
    },
    {
      provide: RootCache,
      inject: [NATS, SERVICE_CONFIG, CLOCK],
      useFactory: (nc: NatsConnection, config: ServiceConfig, clock: Clock) =>
        new RootCache(
          async (fleet, correlationId) =>
            (
              await sendRequest(
                nc,
                config.naming,
                signer.getRoot,
                { fleet },
                newContext({ kind: 'service', id: 'device-gateway' }, correlationId),
              )
            ).root,
          { clock },
        ),
    },
    {
      provide: RefusalLog,
      inject: [NATS, SERVICE_CONFIG],
      useFactory: (nc: NatsConnection, config: ServiceConfig) =>
        new RefusalLog({
          nc,
          naming: config.naming,
          auditFleet: auditFleetOf(config),
          perMinute: refusalsPerMinuteOf(config),
          store: new EventStore<EnrollmentEvent>({ nc, naming: config.naming, stream: eventStreams.gateway, parse: parseEnrollmentEvent }),
          onError: (err) => logger.error(`refusal log: ${err instanceof Error ? err.message : String(err)}`),
        }),
    },
    {
      provide: EnrollmentTokens,
      inject: [NATS, SERVICE_CONFIG, RefusalLog],
      useFactory: (nc: NatsConnection, config: ServiceConfig, refusals: RefusalLog) =>
        new EnrollmentTokens(
          new EventStore<EnrollmentEvent>({ nc, naming: config.naming, stream: eventStreams.gateway, parse: parseEnrollmentEvent }),
          refusals,
        ),
    },
    {
      provide: DeviceCertificateAuthority,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ServiceConfig) => new DeviceCertificateAuthority(deviceCaOptionsOf(config)),
    },
    {
      provide: DeviceEnrollment,
      inject: [NATS, SERVICE_CONFIG, CLOCK, DATABASE, EnrollmentTokens, DeviceCertificateAuthority, RefusalLog, RootCache],
      useFactory: (
        nc: NatsConnection,
        config: ServiceConfig,
        clock: Clock,
        db: Database | null,
        tokens: EnrollmentTokens,
        ca: DeviceCertificateAuthority,
        refusals: RefusalLog,
        roots: RootCache,
      ) =>
        new DeviceEnrollment({
          tokens,
          ca,
          clock,
          refusals,
          onError: (err) => logger.error(`enrollment: ${err instanceof Error ? err.message : String(err)}`),
          devices: new EventStore<DeviceEvent>({ nc, naming: config.naming, stream: eventStreams.gateway, parse: parseDeviceEvent }),
          groups: new EventStore<GroupEvent>({ nc, naming: config.naming, stream: eventStreams.gateway, parse: parseGroupEvent }),
          credentials: new DeviceCredentialsStore(requireDatabase(db, 'device-gateway', credentialsTables)),
          rootOf: roots.rootOf,
          mqttUrl: requireEnv(config, 'KEELSON_MQTT_URL'),
          facadeUrl: requireEnv(config, 'KEELSON_FACADE_URL'),
          topicRoot: topicRootOf(config.naming.subjectPrefix),
        }),
    },
  ],
  exports: [EnrollmentTokens, DeviceCertificateAuthority],
})
export class EnrollmentModule {}
