import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { signer } from '@keelson/commands';
import { applyStreams, eventStreams, EventStore } from '@keelson/event-store';
import { parseOperatorEvent, parseTufEvent, type OperatorEvent, type TufEvent } from '@keelson/events';
import { CLOCK, handlerFor, NATS, serveCommands, SERVICE_CONFIG, type Clock, type ServiceConfig } from '@keelson/service-kit';
import { FleetKeyring } from '../keys/fleet-keyring.js';
import { rotateSignerKeys } from '../keys/signer-key-rotation.js';
import { SIGNER_SETTINGS, signerSettings, type SignerSettings } from '../signer-settings.js';
import { TufRepositories } from './tuf-repositories.js';
import { trustCommandHandlers } from './trust-commands.js';
import { documentOf } from './tuf-repository.evolve.js';

/**
 * Applies EV_TUF, opens every fleet's keys (re-sealing them during a rotation of the key secret, which
 * is audited) and serves `cmd.signer.get-root`, initialising a fleet's repository on first ask.
 */
@Injectable()
class RepositoryRunner implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('tuf-repository');
  private subscriptions: Subscription[] = [];

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(SIGNER_SETTINGS) private readonly settings: SignerSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly repositories: TufRepositories,
    private readonly keyring: FleetKeyring,
  ) {}

  async onModuleInit(): Promise<void> {
    await applyStreams(await jetstreamManager(this.nc), this.config.naming, [eventStreams.signer]);
    // A wrong KEELSON_SIGNER_KEY_SECRET (or _PREVIOUS) refuses the start here, before any command is served.
    const store = new EventStore<OperatorEvent>({ nc: this.nc, naming: this.config.naming, stream: eventStreams.signer, parse: parseOperatorEvent });
    const { fleets, resealed } = await rotateSignerKeys(this.keyring, store, this.settings.credentialsAuditFleet, () => this.clock.now());
    if (resealed) {
      this.logger.log(`re-sealed ${resealed} TUF key(s) of ${fleets.length} fleet(s) under the new KEELSON_SIGNER_KEY_SECRET; KEELSON_SIGNER_KEY_SECRET_PREVIOUS can go`);
    } else if (this.settings.keySecrets.previous !== undefined) {
      this.logger.warn(`KEELSON_SIGNER_KEY_SECRET_PREVIOUS is set but the keys of all ${fleets.length} fleet(s) open with KEELSON_SIGNER_KEY_SECRET: remove it`);
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    const onError = (err: unknown, subject: string) => this.logger.error(`${subject}: ${err instanceof Error ? err.message : String(err)}`);
    this.subscriptions = serveCommands(this.nc, this.config.naming, [
      handlerFor(signer.getRoot, async ({ fleet }, ctx) => {
        const repository = await this.repositories.ensure(fleet, { actor: ctx.actor, correlationId: ctx.correlationId, commandId: ctx.commandId });
        const root = documentOf(repository, 'root');
        return { version: root.version, development: repository.development, root: root.metadata };
      }),
      ...trustCommandHandlers(this.repositories),
    ], { onError });
    await this.nc.flush(); // the subscriptions are registered before the service says it is listening
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain()));
  }
}

/** The fleets' TUF repositories: settings, keys, the signing loop and the root query. */
@Module({
  providers: [
    RepositoryRunner,
    { provide: SIGNER_SETTINGS, inject: [SERVICE_CONFIG], useFactory: (config: ServiceConfig) => signerSettings(config) },
    {
      provide: FleetKeyring,
      inject: [SIGNER_SETTINGS],
      useFactory: (settings: SignerSettings) => {
        const logger = new Logger('tuf-keys');
        return new FleetKeyring({
          dir: settings.keysDir,
          secret: settings.keySecrets.current,
          previousSecret: settings.keySecrets.previous,
          onMigrated: (fleet, roles) => logger.log(`fleet '${fleet}': sealed the plaintext ${roles.join(', ')} keys of an older data directory and deleted them`),
          onDevelopmentKeys: (fleet, dir) =>
            logger.warn(`DEVELOPMENT TRUST SETUP for fleet '${fleet}': every TUF key, root included, is online in ${dir}. Not for production: import an offline-signed root instead.`),
        });
      },
    },
    {
      provide: TufRepositories,
      inject: [NATS, SERVICE_CONFIG, SIGNER_SETTINGS, FleetKeyring, CLOCK],
      useFactory: (nc: NatsConnection, config: ServiceConfig, settings: SignerSettings, keyring: FleetKeyring, clock: Clock) =>
        new TufRepositories({
          store: new EventStore<TufEvent>({ nc, naming: config.naming, stream: eventStreams.signer, parse: parseTufEvent }),
          keyring,
          lifetimes: settings.lifetimes,
          hashBins: settings.hashBins,
          now: () => clock.now(),
        }),
    },
  ],
  exports: [TufRepositories, SIGNER_SETTINGS],
})
export class RepositoryModule {}
