import { Logger, Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseOperatorEvent, parseTufEvent, type OperatorEvent, type TufEvent } from '@keelson/events';
import {
  CLOCK,
  declareModule,
  NATS,
  SERVICE_CONFIG,
  type Clock,
  type ModuleDeclaration,
  type ServiceConfig,
  type DeclaredWorker,
} from '@keelson/service-kit';
import { FleetKeyring } from '../keys/fleet-keyring.js';
import { rotateSignerKeys } from '../keys/signer-key-rotation.js';
import { SIGNER_SETTINGS, signerSettings, type SignerSettings } from '../signer-settings.js';
import { TufRepositories } from './tuf-repositories.js';
import { TrustRequests } from './trust-requests.controller.js';

interface RepositoryParts {
  nc: NatsConnection;
  config: ServiceConfig;
  settings: SignerSettings;
  clock: Clock;
  keyring: FleetKeyring;
}

/**
 * Owns EV_TUF, opens every fleet's keys (re-sealing them during a rotation of the key secret, which
 * is audited) and serves the trust commands (`TrustRequests`) once the keys are open.
 */
function repositoryDeclaration({ nc, config, settings, clock, keyring }: RepositoryParts): ModuleDeclaration {
  const logger = new Logger('tuf-repository');
  // A wrong KEELSON_SIGNER_KEY_SECRET (or _PREVIOUS) refuses the start here, before any command is served.
  // In every replica: each opens the keys it signs with; re-sealing is decided on the aggregate, once.
  const keys: DeclaredWorker = {
    name: 'key secret rotation',
    replicas: 'every-replica',
    start: async () => {
      const store = new EventStore<OperatorEvent>({ nc, naming: config.naming, stream: eventStreams.signer, parse: parseOperatorEvent });
      const { fleets, resealed } = await rotateSignerKeys(keyring, store, settings.credentialsAuditFleet, () => clock.now());
      if (resealed) {
        logger.log(
          `re-sealed ${resealed} TUF key(s) of ${fleets.length} fleet(s) under the new KEELSON_SIGNER_KEY_SECRET; KEELSON_SIGNER_KEY_SECRET_PREVIOUS can go`,
        );
      } else if (settings.keySecrets.previous !== undefined) {
        logger.warn(
          `KEELSON_SIGNER_KEY_SECRET_PREVIOUS is set but the keys of all ${fleets.length} fleet(s) open with KEELSON_SIGNER_KEY_SECRET: remove it`,
        );
      }
    },
    stop: () => undefined,
  };
  return {
    module: 'tuf-repository',
    streams: [eventStreams.signer],
    projections: [keys],
    requestControllers: [TrustRequests],
  };
}

const REPOSITORY_DECLARATION = Symbol('RepositoryDeclaration');

/** The fleets' TUF repositories: settings, keys, the signing loop and the trust commands. */
@Module({
  controllers: [TrustRequests],
  providers: [
    {
      provide: REPOSITORY_DECLARATION,
      inject: [NATS, SERVICE_CONFIG, SIGNER_SETTINGS, CLOCK, FleetKeyring],
      useFactory: (nc: NatsConnection, config: ServiceConfig, settings: SignerSettings, clock: Clock, keyring: FleetKeyring) =>
        declareModule(repositoryDeclaration({ nc, config, settings, clock, keyring })),
    },
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
          onMigrated: (fleet, roles) =>
            logger.log(`fleet '${fleet}': sealed the plaintext ${roles.join(', ')} keys of an older data directory and deleted them`),
          onDevelopmentKeys: (fleet, dir) =>
            logger.warn(
              `DEVELOPMENT TRUST SETUP for fleet '${fleet}': every TUF key, root included, is online in ${dir}. Not for production: import an offline-signed root instead.`,
            ),
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
