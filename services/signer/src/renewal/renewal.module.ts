import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { isDomainError } from '@keelson/domain-kit';
import { CLOCK, NATS, newContext, SERVICE_CONFIG, type Clock, type ServiceConfig } from '@keelson/service-kit';
import { RepositoryModule } from '../repository/repository.module.js';
import { TufRepositories } from '../repository/tuf-repositories.js';
import { SIGNER_SETTINGS, type SignerSettings } from '../signer-settings.js';
import { RenewalTimer } from './renewal-timer.js';
import { OncePer, productionRootExpiring } from './root-expiry.js';
import { repositoryFleets } from './repository-fleets.js';

const describe = (err: unknown) => (isDomainError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err));

/** Runs the renewal timer from application bootstrap to shutdown. */
@Injectable()
class RenewalRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('tuf-renewal');
  private readonly timer: RenewalTimer;
  private readonly rootWarnings = new OncePer();

  constructor(
    @Inject(NATS) nc: NatsConnection,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(SIGNER_SETTINGS) settings: SignerSettings,
    @Inject(CLOCK) clock: Clock,
    repositories: TufRepositories,
  ) {
    this.timer = new RenewalTimer({
      repositories,
      fleets: () => repositoryFleets(nc, config.naming),
      intervalMs: settings.renewCheckSeconds * 1000,
      meta: () => newContext({ kind: 'service', id: 'signer' }),
      onRenewed: (fleet, what) => this.logger.log(`fleet '${fleet}': renewed ${what.join(', ')}`),
      onChecked: (fleet, state) => {
        // By the clock the repository renews by, so the warning and the renewal agree on the time.
        const now = clock.now();
        const expires = productionRootExpiring(state, now);
        if (expires && this.rootWarnings.due(fleet, now.getTime())) {
          this.logger.warn(`fleet '${fleet}': the production TUF root expires at ${expires}; run a root ceremony (keelson tuf root init/sign/import) before then, devices refuse an expired root`);
        }
      },
      onError: (err, fleet) => this.logger.error(`renewal${fleet ? ` of fleet '${fleet}'` : ''} failed: ${describe(err)}`),
    });
  }

  onApplicationBootstrap(): void {
    this.timer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.timer.stop();
  }
}

/** Keeps every fleet's metadata from expiring. */
@Module({ imports: [RepositoryModule], providers: [RenewalRunner] })
export class RenewalModule {}
