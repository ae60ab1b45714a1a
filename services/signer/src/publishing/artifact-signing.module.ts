import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { isDomainError } from '@keelson/domain-kit';
import { eventStreams, ReactorRunner, waitForStream } from '@keelson/event-store';
import type { ArtifactEvent } from '@keelson/events';
import { NATS, SERVICE_CONFIG, type ServiceConfig } from '@keelson/service-kit';
import { RepositoryModule } from '../repository/repository.module.js';
import { TufRepositories } from '../repository/tuf-repositories.js';
import { refusedArtifacts } from '../signer.metrics.js';
import { artifactSigningReactor } from './artifact-signing.reactor.js';

const describe = (err: unknown) => (isDomainError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err));

/** Follows EV_ARTIFACTS (once the facade has declared it) and signs every received artifact. */
@Injectable()
class ArtifactSigningRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('artifact-signing');
  private readonly runner: ReactorRunner<ArtifactEvent>;
  private readonly abort = new AbortController();
  private starting: Promise<void> | undefined;

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    repositories: TufRepositories,
  ) {
    this.runner = new ReactorRunner({
      nc,
      naming: config.naming,
      reactor: artifactSigningReactor(repositories),
      // A pull with a larger batch waits for the batch to fill or the fetch to expire (1 s), and an
      // artifact is not published until it is signed: take each one as soon as it arrives.
      batchSize: 1,
      onError: (err) => this.logger.error(`signing failed, will retry: ${describe(err)}`),
      // Never silently: an artifact refused here is never published.
      onPoison: (err, msg) => {
        refusedArtifacts().inc({ code: isDomainError(err) ? err.code : 'unreadable' });
        this.logger.error(`artifact event ${msg.subject} #${msg.seq} refused, not signed: ${describe(err)}`);
      },
    });
  }

  onApplicationBootstrap(): void {
    const stream = `${this.config.naming.streamPrefix}${eventStreams.registry.name}`;
    this.starting = (async () => {
      if (!(await waitForStream(this.nc, stream, this.abort.signal, () => this.logger.warn(`waiting for ${stream} (the registry facade declares it)`)))) return;
      await this.runner.start();
    })().catch((err) => this.logger.error(`could not follow ${stream}: ${describe(err)}`));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await this.starting;
    await this.runner.stop();
  }
}

/** Publishing is signing: received artifacts become signed targets. */
@Module({ imports: [RepositoryModule], providers: [ArtifactSigningRunner] })
export class ArtifactSigningModule {}
