import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { ReactorRunner } from '@keelson/event-store';
import type { TufEvent } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import { DATABASE, NATS, SERVICE_CONFIG, type ServiceConfig } from '@keelson/service-kit';
import { Artifacts } from '../artifacts/artifacts.js';
import { ArtifactsModule } from '../artifacts/artifacts.module.js';
import { registryDatabase } from '../registry-database.js';
import { servesRoleVersion } from '../tuf-metadata/served-coverage.js';
import { NotYetServedError, publishSignedArtifacts } from './publish-signed-artifacts.reactor.js';

// A signed bin is usually served within one projection commit of the TUF metadata; the default
// second would add most of that to every publication.
const retryDelayMs = 250;

/** Runs the publisher for the lifetime of the app. */
@Injectable()
class PublishingRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('publishing');
  private readonly runner: ReactorRunner<TufEvent>;

  constructor(
    @Inject(NATS) nc: NatsConnection,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(Artifacts) artifacts: Artifacts,
    @Inject(DATABASE) db: Database | null,
  ) {
    const served = registryDatabase(db);
    const reactor = publishSignedArtifacts(
      artifacts,
      (fleet, role, version) => servesRoleVersion(served, fleet, role, version),
      (fleet, targetPath, why) => this.logger.warn(`signed target ${fleet}:${targetPath} not published: ${why}`),
    );
    this.runner = new ReactorRunner({
      nc, naming: config.naming, reactor, retryDelayMs,
      // Waiting for the TUF projection is expected (both follow the same events); it is logged, not an error.
      onError: (err) => err instanceof NotYetServedError ? this.logger.log(err.message) : this.logger.error(`publishing: ${err instanceof Error ? err.message : String(err)}`),
      onPoison: (err) => this.logger.error(`publishing: dropped a malformed TUF event: ${err instanceof Error ? err.message : String(err)}`),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }
}

/** Publishes artifacts when the signer signs their targets. */
@Module({ imports: [ArtifactsModule], providers: [PublishingRunner] })
export class PublishingModule {}
