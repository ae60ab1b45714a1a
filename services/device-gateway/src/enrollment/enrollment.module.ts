import { Logger, Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NatsConnection } from '@nats-io/transport-node';
import { signer } from '@keelson/requests';
import { eventStreams, EventStore } from '@keelson/event-store';
import {
  parseDeviceEvent,
  parseEnrollmentEvent,
  parseGroupEvent,
  parseOperatorEvent,
  type DeviceEvent,
  type EnrollmentEvent,
  type GroupEvent,
  type OperatorEvent,
} from '@keelson/events';
import type { Database, Migration } from '@keelson/postgres';
import {
  sendRequest,
  CLOCK,
  DATABASE,
  declareModule,
  describeError,
  NATS,
  newContext,
  numberSetting,
  requireDatabase,
  requireEnv,
  SERVICE_CONFIG,
  type Clock,
  type ModuleDeclaration,
  type ServiceConfig,
  type DeclaredWorker,
} from '@keelson/service-kit';
import { credentialsMigrations, credentialsTables } from '../credentials/credentials.migrations.js';
import { DeviceCredentialsStore } from '../credentials/device-credentials.store.js';
import { DeviceCertificateAuthority } from '../device-ca/device-ca.js';
import { rotateDeviceCaKeys } from '../device-ca/device-ca-key-rotation.js';
import { deviceCaOptionsOf } from '../device-ca/device-ca.settings.js';
import { DeviceEnrollment } from './enroll-device.js';
import { EnrollController } from './enroll.controller.js';
import { enrollRouteInstaller } from './enroll-route.installer.js';
import { EnrollmentRequests } from './enrollment-requests.controller.js';
import { EnrollmentTokens } from './enrollment-tokens.js';
import { topicRootOf } from './enroll-request.js';
import { RefusalLog } from './refusal-log.js';
import { RootCache } from './root-cache.js';
import { RootFeed } from './root-feed.js';

/** The tables enrollment writes (device broker credentials). */
export const enrollmentMigrations: Migration[] = credentialsMigrations;

const logger = new Logger('enrollment');

/** `KEELSON_ENROLLMENT_AUDIT_FLEET` (default `default`): where attempts naming no existing fleet are audited. */
function auditFleetOf(config: ServiceConfig): string {
  const fleet = config.env.KEELSON_ENROLLMENT_AUDIT_FLEET ?? 'default';
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(fleet)) throw new Error('device-gateway: KEELSON_ENROLLMENT_AUDIT_FLEET must be a fleet id');
  return fleet;
}

/** `KEELSON_ENROLLMENT_REFUSALS_PER_MINUTE` (default 60): refused attempts audited one by one per minute before summaries take over. */
function refusalsPerMinuteOf(config: ServiceConfig): number {
  return numberSetting(config, 'KEELSON_ENROLLMENT_REFUSALS_PER_MINUTE', { default: 60, min: 1, max: 10_000 });
}

interface EnrollmentParts {
  nc: NatsConnection;
  config: ServiceConfig;
  clock: Clock;
  ca: DeviceCertificateAuthority;
  roots: RootCache;
  refusals: RefusalLog;
  enrollRoute: DeclaredWorker;
}

/**
 * Migrates the credentials table; at start, during a rotation of KEELSON_DEVICE_CA_KEY_SECRET, re-seals
 * every fleet's CA key under the new secret (audited); follows the signer's announcements for the
 * RootCache; runs the refusal log's summaries; installs `POST /v1/enroll` before the app listens;
 * serves the enrollment-token commands.
 */
function enrollmentDeclaration({ nc, config, clock, ca, roots, refusals, enrollRoute }: EnrollmentParts): ModuleDeclaration {
  const rotateKeys = async () => {
    const store = new EventStore<OperatorEvent>({ nc, naming: config.naming, stream: eventStreams.gateway, parse: parseOperatorEvent });
    const keys = await rotateDeviceCaKeys(ca, store, auditFleetOf(config), clock.now());
    if (keys)
      logger.log(
        `re-sealed ${keys} device CA key(s) under the new KEELSON_DEVICE_CA_KEY_SECRET; KEELSON_DEVICE_CA_KEY_SECRET_PREVIOUS can go`,
      );
  };
  const feed = new RootFeed({
    nc,
    naming: config.naming,
    cache: roots,
    onError: (err) => logger.warn(`root feed: ${describeError(err)}; enrollments ask the signer for each root until it follows again`),
  });
  return {
    module: 'enrollment',
    database: credentialsTables,
    migrations: enrollmentMigrations,
    reactors: [
      // In every replica: a step its start passes (re-sealing is decided on the aggregate, once), this
      // replica's root cache, its own refusal summaries and its enroll route.
      { name: 'device CA key rotation', replicas: 'every-replica', start: rotateKeys, stop: () => undefined },
      { name: 'root feed', replicas: 'every-replica', start: () => feed.start(), stop: () => feed.stop() },
      { name: 'refusal log', replicas: 'every-replica', start: () => refusals.start(), stop: () => refusals.stop() }, // stopped after the commands: the last summaries
      enrollRoute,
    ],
    requestControllers: [EnrollmentRequests],
  };
}

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
