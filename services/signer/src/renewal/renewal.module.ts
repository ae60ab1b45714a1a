import { Logger, Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { isDomainError } from '@keelson/domain-kit';
import {
  CLOCK,
  declareModule,
  NATS,
  newContext,
  SERVICE_CONFIG,
  type Clock,
  type ModuleDeclaration,
  type ServiceConfig,
} from '@keelson/service-kit';
import { RepositoryModule } from '../repository/repository.module.js';
import { TufRepositories } from '../repository/tuf-repositories.js';
import { SIGNER_SETTINGS, type SignerSettings } from '../signer-settings.js';
import { recordMetadataExpiry } from '../signer.metrics.js';
import { RenewalTimer } from './renewal-timer.js';
import { OncePer, productionRootExpiring } from './root-expiry.js';
import { repositoryFleets } from './repository-fleets.js';

const describe = (err: unknown) => (isDomainError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err));

interface RenewalParts {
  nc: NatsConnection;
  config: ServiceConfig;
  settings: SignerSettings;
  clock: Clock;
  repositories: TufRepositories;
}

/** Runs the renewal timer from application bootstrap to shutdown. */
function renewalDeclaration({ nc, config, settings, clock, repositories }: RenewalParts): ModuleDeclaration {
  const logger = new Logger('tuf-renewal');
  const rootWarnings = new OncePer();
  const timer = new RenewalTimer({
    repositories,
    fleets: () => repositoryFleets(nc, config.naming),
    intervalMs: settings.renewCheckSeconds * 1000,
    meta: () => newContext({ kind: 'service', id: 'signer' }),
    onRenewed: (fleet, what) => logger.log(`fleet '${fleet}': renewed ${what.join(', ')}`),
    onChecked: (fleet, state) => {
      recordMetadataExpiry(fleet, state);
      // By the clock the repository renews by, so the warning and the renewal agree on the time.
      const now = clock.now();
      const expires = productionRootExpiring(state, now);
      if (expires && rootWarnings.due(fleet, now.getTime())) {
        logger.warn(
          `fleet '${fleet}': the production TUF root expires at ${expires}; run a root ceremony (keelson tuf root init/sign/import) before then, devices refuse an expired root`,
        );
      }
    },
    onError: (err, fleet) => logger.error(`renewal${fleet ? ` of fleet '${fleet}'` : ''} failed: ${describe(err)}`),
  });
  // Single-active: one replica renews, so an expiring timestamp gives one renewal, not one per replica.
  return {
    module: 'tuf-renewal',
    reactors: [{ name: 'renewal timer', replicas: 'single-active', start: () => timer.start(), stop: () => timer.stop() }],
  };
}

const RENEWAL_DECLARATION = Symbol('RenewalDeclaration');

/** Keeps every fleet's metadata from expiring. */
@Module({
  imports: [RepositoryModule],
  providers: [
    {
      provide: RENEWAL_DECLARATION,
      inject: [NATS, SERVICE_CONFIG, SIGNER_SETTINGS, CLOCK, TufRepositories],
      useFactory: (nc: NatsConnection, config: ServiceConfig, settings: SignerSettings, clock: Clock, repositories: TufRepositories) =>
        declareModule(renewalDeclaration({ nc, config, settings, clock, repositories })),
    },
  ],
})
export class RenewalModule {}
