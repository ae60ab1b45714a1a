import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { signer } from '@keelson/commands';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, parseEnrollmentEvent, parseOperatorEvent, type DeviceEvent, type EnrollmentEvent, type OperatorEvent } from '@keelson/events';
import { migrate, type Database, type Migration } from '@keelson/postgres';
import { callCommand, CLOCK, DATABASE, NATS, newContext, requireEnv, SERVICE_CONFIG, type Clock, type ServiceConfig } from '@keelson/service-kit';
import { credentialsMigrations } from '../credentials/credentials.migrations.js';
import { DeviceCredentialsStore } from '../credentials/device-credentials.store.js';
import { DeviceCertificateAuthority } from '../device-ca/device-ca.js';
import { rotateDeviceCaKeys } from '../device-ca/device-ca-key-rotation.js';
import { deviceCaOptionsOf } from '../device-ca/device-ca.settings.js';
import { DeviceEnrollment } from './enroll-device.js';
import { EnrollController } from './enroll.controller.js';
import { EnrollRouteInstaller } from './enroll-route.installer.js';
import { EnrollmentCommandsServer } from './enrollment-commands.server.js';
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
  const value = Number(config.env.KEELSON_ENROLLMENT_REFUSALS_PER_MINUTE ?? 60);
  if (!Number.isInteger(value) || value < 1 || value > 10_000) throw new Error('device-gateway: KEELSON_ENROLLMENT_REFUSALS_PER_MINUTE must be an integer from 1 to 10000');
  return value;
}

/** Requires the gateway's database: device credentials live nowhere else. */
export function requireDatabase(db: Database | null): Database {
  if (!db) throw new Error('device-gateway: KEELSON_DATABASE_URL is required (device credentials are kept there)');
  return db;
}

@Injectable()
class EnrollmentSchema implements OnModuleInit {
  constructor(@Inject(DATABASE) private readonly db: Database | null) {}

  // Idempotent and serialised by migrate's lock: the module works whether or not the app also migrates.
  async onModuleInit(): Promise<void> {
    await migrate(requireDatabase(this.db), enrollmentMigrations);
  }
}

/** At start, during a rotation of KEELSON_DEVICE_CA_KEY_SECRET: every fleet's CA key re-sealed under the new secret, and audited. */
@Injectable()
class DeviceCaKeyRotation implements OnApplicationBootstrap {
  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DeviceCertificateAuthority) private readonly ca: DeviceCertificateAuthority,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const store = new EventStore<OperatorEvent>({ nc: this.nc, naming: this.config.naming, stream: eventStreams.gateway, parse: parseOperatorEvent });
    const keys = await rotateDeviceCaKeys(this.ca, store, auditFleetOf(this.config), this.clock.now());
    if (keys) logger.log(`re-sealed ${keys} device CA key(s) under the new KEELSON_DEVICE_CA_KEY_SECRET; KEELSON_DEVICE_CA_KEY_SECRET_PREVIOUS can go`);
  }
}

/** Follows the signer's announcements for the RootCache while the gateway runs. */
@Injectable()
class RootFeedRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly feed: RootFeed;

  constructor(@Inject(NATS) nc: NatsConnection, @Inject(SERVICE_CONFIG) config: ServiceConfig, @Inject(RootCache) cache: RootCache) {
    this.feed = new RootFeed({ nc, naming: config.naming, cache, onError: (err) => logger.warn(`root feed: ${err instanceof Error ? err.message : String(err)}; enrollments ask the signer for each root until it follows again`) });
  }

  onApplicationBootstrap(): void {
    this.feed.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.feed.stop();
  }
}

/**
 * Enrollment: `POST /v1/enroll`, the enrollment-token commands, the fleets' device CAs. Needs the
 * global InfrastructureModule, `KEELSON_MQTT_URL` and `KEELSON_FACADE_URL`.
 */
@Module({
  controllers: [EnrollController],
  providers: [
    EnrollmentSchema,
    EnrollmentCommandsServer,
    DeviceCaKeyRotation,
    RootFeedRunner,
    EnrollRouteInstaller,
    {
      provide: RootCache,
      inject: [NATS, SERVICE_CONFIG, CLOCK],
      useFactory: (nc: NatsConnection, config: ServiceConfig, clock: Clock) =>
        new RootCache(async (fleet, correlationId) =>
          (await callCommand(nc, config.naming, signer.getRoot, { fleet }, newContext({ kind: 'service', id: 'device-gateway' }, correlationId))).root, { clock }),
    },
    {
      provide: RefusalLog,
      inject: [NATS, SERVICE_CONFIG],
      useFactory: (nc: NatsConnection, config: ServiceConfig) =>
        new RefusalLog({
          nc, naming: config.naming, auditFleet: auditFleetOf(config), perMinute: refusalsPerMinuteOf(config),
          store: new EventStore<EnrollmentEvent>({ nc, naming: config.naming, stream: eventStreams.gateway, parse: parseEnrollmentEvent }),
          onError: (err) => logger.error(`refusal log: ${err instanceof Error ? err.message : String(err)}`),
        }),
    },
    {
      provide: EnrollmentTokens,
      inject: [NATS, SERVICE_CONFIG, RefusalLog],
      useFactory: (nc: NatsConnection, config: ServiceConfig, refusals: RefusalLog) =>
        new EnrollmentTokens(new EventStore<EnrollmentEvent>({ nc, naming: config.naming, stream: eventStreams.gateway, parse: parseEnrollmentEvent }), refusals),
    },
    {
      provide: DeviceCertificateAuthority,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ServiceConfig) => new DeviceCertificateAuthority(deviceCaOptionsOf(config)),
    },
    {
      provide: DeviceEnrollment,
      inject: [NATS, SERVICE_CONFIG, CLOCK, DATABASE, EnrollmentTokens, DeviceCertificateAuthority, RefusalLog, RootCache],
      useFactory: (nc: NatsConnection, config: ServiceConfig, clock: Clock, db: Database | null, tokens: EnrollmentTokens, ca: DeviceCertificateAuthority, refusals: RefusalLog, roots: RootCache) =>
        new DeviceEnrollment({
          tokens, ca, clock, refusals, onError: (err) => logger.error(`enrollment: ${err instanceof Error ? err.message : String(err)}`),
          devices: new EventStore<DeviceEvent>({ nc, naming: config.naming, stream: eventStreams.gateway, parse: parseDeviceEvent }),
          credentials: new DeviceCredentialsStore(requireDatabase(db)),
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
