import { Logger, Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { fromSeed } from '@nats-io/nkeys';
import { eventStreams, ReactorRunner, type RetiredProjection } from '@keelson/event-store';
import type { Database, Migration } from '@keelson/postgres';
import {
  CLOCK,
  DATABASE,
  declareModule,
  describeError,
  NATS,
  numberSetting,
  requireDatabase,
  requireEnv,
  SERVICE_CONFIG,
  type Clock,
  type ModuleDeclaration,
  type ServiceConfig,
} from '@keelson/service-kit';
import { credentialsMigrations, credentialsTables } from '../credentials/credentials.migrations.js';
import { DeviceCredentialsStore } from '../credentials/device-credentials.store.js';
import { AuthCalloutResponder } from './auth-callout.responder.js';
import { ConnectionKicker } from './connection-kicker.js';
import { droppedConnectionsReactor } from './dropped-connections.reactor.js';
import { NkeyJwtSigner } from './nkey-jwt.js';
import { SystemConnection, SystemConnectionModule } from './system-connection.module.js';

/** Broker auth reads the credentials table that `enrollmentMigrations` creates. Nothing more to migrate here. */
export const brokerAuthMigrations: Migration[] = [];

/**
 * The revocation projection of older releases: the devices projection revokes in its own transaction
 * now (one consumer of `ev.device.>` fewer). Its consumer and checkpoint are deleted at start. Nothing
 * is lost between the two checkpoints: every decommission is also revoked by the command that made it
 * and by the dropped-connections reactor, and the devices projection applies every event past its own.
 */
export const retiredBrokerAuthProjections: RetiredProjection[] = [{ name: 'device-credential-revocations', stream: eventStreams.gateway }];

/** Signs with `KEELSON_AUTH_CALLOUT_SEED`, the account nkey whose public key the nats-server config names as issuer. */
export function calloutSigner(config: ServiceConfig): NkeyJwtSigner {
  const seed = requireEnv(config, 'KEELSON_AUTH_CALLOUT_SEED');
  let publicKey: string;
  try {
    publicKey = fromSeed(new TextEncoder().encode(seed)).getPublicKey();
  } catch {
    throw new Error('device-gateway: KEELSON_AUTH_CALLOUT_SEED is not an nkey seed');
  }
  if (!publicKey.startsWith('A')) throw new Error('device-gateway: KEELSON_AUTH_CALLOUT_SEED must be an account seed (SA...)');
  return new NkeyJwtSigner(seed, publicKey);
}

/** `KEELSON_DEVICE_SESSION_SECONDS` (default 3600): how long one admission lasts before the device is checked again. */
function sessionSecondsOf(config: ServiceConfig): number {
  return numberSetting(config, 'KEELSON_DEVICE_SESSION_SECONDS', { default: 3600, min: 60, max: 86_400 });
}

interface BrokerAuthParts {
  nc: NatsConnection;
  config: ServiceConfig;
  clock: Clock;
  db: Database;
  system: SystemConnection;
}

/**
 * Migrates the credentials table (the first device may knock before enrollment migrates it), deletes
 * the retired revocation projection, and runs the dropping of decommissioned devices' connections
 * (which revokes their credentials first) and then the auth-callout responder for the lifetime of the app.
 */
function brokerAuthDeclaration({ nc, config, clock, db, system }: BrokerAuthParts): ModuleDeclaration {
  const logger = new Logger('broker-auth');
  const onError = (err: unknown) => logger.error(`broker auth: ${describeError(err)}`);
  const responder = new AuthCalloutResponder({
    nc,
    clock,
    onError,
    signer: calloutSigner(config),
    credentials: new DeviceCredentialsStore(db),
    subjectPrefix: config.naming.subjectPrefix,
    sessionSeconds: sessionSecondsOf(config),
  });
  let dropper: ReactorRunner<unknown> | undefined;
  const startDropper = async () => {
    const connection = await system.get();
    if (!connection) logger.warn('no KEELSON_NATS_SYSTEM_USER: a decommissioned device stays connected until its session ends');
    const kicker = connection ? new ConnectionKicker({ system: connection }) : null;
    dropper = new ReactorRunner({
      nc,
      naming: config.naming,
      onError: (err) => logger.error(`dropping connections: ${describeError(err)}`),
      reactor: droppedConnectionsReactor({
        db,
        kicker,
        now: () => clock.now(),
        onKicked: (deviceId, n) => logger.log(`dropped ${n} connection(s) of ${deviceId}`),
      }),
    }) as ReactorRunner<unknown>;
    await dropper.start();
  };
  return {
    module: 'broker-auth',
    database: credentialsTables,
    migrations: credentialsMigrations, // idempotent; the table must exist before the first device knocks
    retiredProjections: retiredBrokerAuthProjections,
    reactors: [
      // Partitioned: replicas share the durable consumer, each decommission reaches one; revoking and kicking are idempotent.
      { name: 'dropped connections', replicas: 'partitioned', start: startDropper, stop: () => dropper?.stop() },
      { name: 'auth callout', replicas: 'partitioned', start: () => responder.start(), stop: () => responder.stop() }, // a queue group
    ],
  };
}

const BROKER_AUTH_DECLARATION = Symbol('BrokerAuthDeclaration');

/**
 * Answers the broker's auth callout for devices, and revokes decommissioned devices' credentials.
 * Needs the global InfrastructureModule and `KEELSON_AUTH_CALLOUT_SEED`.
 */
@Module({
  imports: [SystemConnectionModule],
  providers: [
    {
      provide: BROKER_AUTH_DECLARATION,
      inject: [NATS, SERVICE_CONFIG, CLOCK, DATABASE, SystemConnection],
      useFactory: (nc: NatsConnection, config: ServiceConfig, clock: Clock, db: Database | null, system: SystemConnection) =>
        declareModule(brokerAuthDeclaration({ nc, config, clock, db: requireDatabase(db, 'device-gateway', credentialsTables), system })),
    },
  ],
})
export class BrokerAuthModule {}
