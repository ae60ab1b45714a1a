import { join } from 'node:path';
import { Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { signer } from '@keelson/commands';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, parseEnrollmentEvent, type DeviceEvent, type EnrollmentEvent } from '@keelson/events';
import { migrate, type Database, type Migration } from '@keelson/postgres';
import { callCommand, CLOCK, DATABASE, NATS, newContext, requireEnv, SERVICE_CONFIG, type Clock, type ServiceConfig } from '@keelson/service-kit';
import { credentialsMigrations } from '../credentials/credentials.migrations.js';
import { DeviceCredentialsStore } from '../credentials/device-credentials.store.js';
import { DeviceCertificateAuthority } from '../device-ca/device-ca.js';
import { DeviceEnrollment } from './enroll-device.js';
import { EnrollController } from './enroll.controller.js';
import { EnrollmentCommandsServer } from './enrollment-commands.server.js';
import { EnrollmentTokens } from './enrollment-tokens.js';
import { topicRootOf } from './enroll-request.js';

/** The tables enrollment writes (device broker credentials). */
export const enrollmentMigrations: Migration[] = credentialsMigrations;

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

/**
 * Enrollment: `POST /v1/enroll`, the enrollment-token commands, the fleets' device CAs. Needs the
 * global InfrastructureModule, `KEELSON_MQTT_URL` and `KEELSON_FACADE_URL`.
 */
@Module({
  controllers: [EnrollController],
  providers: [
    EnrollmentSchema,
    EnrollmentCommandsServer,
    {
      provide: EnrollmentTokens,
      inject: [NATS, SERVICE_CONFIG],
      useFactory: (nc: NatsConnection, config: ServiceConfig) =>
        new EnrollmentTokens(new EventStore<EnrollmentEvent>({ nc, naming: config.naming, stream: eventStreams.gateway, parse: parseEnrollmentEvent })),
    },
    {
      provide: DeviceCertificateAuthority,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ServiceConfig) => new DeviceCertificateAuthority({ dir: join(config.dataDir, 'ca') }),
    },
    {
      provide: DeviceEnrollment,
      inject: [NATS, SERVICE_CONFIG, CLOCK, DATABASE, EnrollmentTokens, DeviceCertificateAuthority],
      useFactory: (nc: NatsConnection, config: ServiceConfig, clock: Clock, db: Database | null, tokens: EnrollmentTokens, ca: DeviceCertificateAuthority) =>
        new DeviceEnrollment({
          tokens, ca, clock,
          devices: new EventStore<DeviceEvent>({ nc, naming: config.naming, stream: eventStreams.gateway, parse: parseDeviceEvent }),
          credentials: new DeviceCredentialsStore(requireDatabase(db)),
          rootOf: async (fleet, correlationId) =>
            (await callCommand(nc, config.naming, signer.getRoot, { fleet }, newContext({ kind: 'service', id: 'device-gateway' }, correlationId))).root,
          mqttUrl: requireEnv(config, 'KEELSON_MQTT_URL'),
          facadeUrl: requireEnv(config, 'KEELSON_FACADE_URL'),
          topicRoot: topicRootOf(config.naming.subjectPrefix),
        }),
    },
  ],
  exports: [EnrollmentTokens, DeviceCertificateAuthority],
})
export class EnrollmentModule {}
