import { Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseOperatorEvent, type OperatorEvent } from '@keelson/events';
import type { Migration } from '@keelson/postgres';
import {
  describeError,
  numberSetting,
  type Clock,
  type DeclaredWorker,
  type ModuleDeclaration,
  type ServiceConfig,
} from '@keelson/service-kit';
import { credentialsMigrations, credentialsTables } from '../credentials/credentials.migrations.js';
import type { DeviceCertificateAuthority } from '../device-ca/device-ca.js';
import { rotateDeviceCaKeys } from '../device-ca/device-ca-key-rotation.js';
import { EnrollmentRequests } from './enrollment-requests.controller.js';
import type { RefusalLog } from './refusal-log.js';
import type { RootCache } from './root-cache.js';
import { RootFeed } from './root-feed.js';

/** The tables enrollment writes (device broker credentials). */
export const enrollmentMigrations: Migration[] = credentialsMigrations;

const logger = new Logger('enrollment');

/** `KEELSON_ENROLLMENT_AUDIT_FLEET` (default `default`): where attempts naming no existing fleet are audited. */
export function auditFleetOf(config: ServiceConfig): string {
  const fleet = config.env.KEELSON_ENROLLMENT_AUDIT_FLEET ?? 'default';
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(fleet)) throw new Error('device-gateway: KEELSON_ENROLLMENT_AUDIT_FLEET must be a fleet id');
  return fleet;
}

/** `KEELSON_ENROLLMENT_REFUSALS_PER_MINUTE` (default 60): refused attempts audited one by one per minute before summaries take over. */
export function refusalsPerMinuteOf(config: ServiceConfig): number {
  return numberSetting(config, 'KEELSON_ENROLLMENT_REFUSALS_PER_MINUTE', { default: 60, min: 1, max: 10_000 });
}

export interface EnrollmentParts {
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
export function enrollmentDeclaration({ nc, config, clock, ca, roots, refusals, enrollRoute }: EnrollmentParts): ModuleDeclaration {
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
