import { Logger, Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { isDomainError } from '@keelson/domain-kit';
import { eventStreams, ReactorRunner } from '@keelson/event-store';
import type { ArtifactEvent } from '@keelson/events';
import { declareModule, NATS, SERVICE_CONFIG, type ModuleDeclaration, type ServiceConfig } from '@keelson/service-kit';
import { RepositoryModule } from '../repository/repository.module.js';
import { TufRepositories } from '../repository/tuf-repositories.js';
import { refusedArtifacts } from '../signer.metrics.js';
import { artifactSigningReactor } from './artifact-signing.reactor.js';

const describe = (err: unknown) => (isDomainError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err));

/** Follows EV_ARTIFACTS once the facade has declared it, and signs every received artifact. */
function artifactSigningDeclaration(nc: NatsConnection, config: ServiceConfig, repositories: TufRepositories): ModuleDeclaration {
  const logger = new Logger('artifact-signing');
  const runner = new ReactorRunner<ArtifactEvent>({
    nc,
    naming: config.naming,
    reactor: artifactSigningReactor(repositories),
    // A pull with a larger batch waits for the batch to fill or the fetch to expire (1 s), and an
    // artifact is not published until it is signed: take each one as soon as it arrives.
    batchSize: 1,
    onError: (err) => logger.error(`signing failed, will retry: ${describe(err)}`),
    // Never silently: an artifact refused here is never published.
    onPoison: (err, msg) => {
      refusedArtifacts().inc({ code: isDomainError(err) ? err.code : 'unreadable' });
      logger.error(`artifact event ${msg.subject} #${msg.seq} refused, not signed: ${describe(err)}`);
    },
  });
  return {
    module: 'artifact-signing',
    needs: [{ stream: eventStreams.registry, owner: 'registry facade' }],
    // A worker rather than a plain reactor declaration: batches of one, and its own refusal lines.
    reactors: [{ name: 'artifact signing', start: () => runner.start(), stop: () => runner.stop() }],
  };
}

const ARTIFACT_SIGNING_DECLARATION = Symbol('ArtifactSigningDeclaration');

/** Publishing is signing: received artifacts become signed targets. */
@Module({
  imports: [RepositoryModule],
  providers: [
    {
      provide: ARTIFACT_SIGNING_DECLARATION,
      inject: [NATS, SERVICE_CONFIG, TufRepositories],
      useFactory: (nc: NatsConnection, config: ServiceConfig, repositories: TufRepositories) =>
        declareModule(artifactSigningDeclaration(nc, config, repositories)),
    },
  ],
})
export class ArtifactSigningModule {}
