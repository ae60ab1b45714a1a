import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { fromSeed } from '@nats-io/nkeys';
import { eventStreams, ReactorRunner, retireProjections, type RetiredProjection } from '@keelson/event-store';
import { migrate, type Database, type Migration } from '@keelson/postgres';
import { CLOCK, DATABASE, NATS, numberSetting, requireEnv, SERVICE_CONFIG, type Clock, type ServiceConfig } from '@keelson/service-kit';
import { credentialsMigrations } from '../credentials/credentials.migrations.js';
import { DeviceCredentialsStore } from '../credentials/device-credentials.store.js';
import { requireDatabase } from '../enrollment/enrollment.module.js';
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

/**
 * Runs the auth-callout responder and the dropping of decommissioned devices' connections (which
 * revokes their credentials first) for the lifetime of the app.
 */
@Injectable()
class BrokerAuthRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('broker-auth');
  private readonly responder: AuthCalloutResponder;
  private readonly db: Database;
  private readonly credentials: DeviceCredentialsStore;
  private dropper: ReactorRunner<unknown> | undefined;

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DATABASE) db: Database | null,
    private readonly system: SystemConnection,
  ) {
    this.db = requireDatabase(db);
    this.credentials = new DeviceCredentialsStore(this.db);
    const onError = (err: unknown) => this.logger.error(`broker auth: ${err instanceof Error ? err.message : String(err)}`);
    this.responder = new AuthCalloutResponder({
      nc, clock, onError, signer: calloutSigner(config), credentials: this.credentials, subjectPrefix: config.naming.subjectPrefix,
      sessionSeconds: sessionSecondsOf(config),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await migrate(this.db, credentialsMigrations); // idempotent; the table must exist before the first device knocks
    for (const consumer of await retireProjections(this.nc, this.config.naming, this.db, retiredBrokerAuthProjections)) {
      this.logger.log(`deleted the consumer ${consumer} of a projection this release no longer runs`);
    }
    const system = await this.system.get();
    if (!system) this.logger.warn('no KEELSON_NATS_SYSTEM_USER: a decommissioned device stays connected until its session ends');
    const kicker = system ? new ConnectionKicker({ system }) : null;
    const onDropError = (err: unknown) => this.logger.error(`dropping connections: ${err instanceof Error ? err.message : String(err)}`);
    this.dropper = new ReactorRunner({
      nc: this.nc, naming: this.config.naming, onError: onDropError,
      reactor: droppedConnectionsReactor({ db: this.db, kicker, now: () => this.clock.now(), onKicked: (deviceId, n) => this.logger.log(`dropped ${n} connection(s) of ${deviceId}`) }),
    }) as ReactorRunner<unknown>;
    await this.dropper.start();
    this.responder.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.responder.stop();
    await this.dropper?.stop();
  }
}

/**
 * Answers the broker's auth callout for devices, and revokes decommissioned devices' credentials.
 * Needs the global InfrastructureModule and `KEELSON_AUTH_CALLOUT_SEED`.
 */
@Module({ imports: [SystemConnectionModule], providers: [BrokerAuthRunner] })
export class BrokerAuthModule {}
