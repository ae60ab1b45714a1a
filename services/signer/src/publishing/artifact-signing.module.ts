import { Logger, Module } from '@nestjs/common';
import { isDomainError } from '@keelson/domain-kit';
import { eventStreams } from '@keelson/event-store';
import { declareModule, type ModuleDeclaration } from '@keelson/service-kit';
import { RepositoryModule } from '../repository/repository.module.js';
import { TufRepositories } from '../repository/tuf-repositories.js';
import { refusedArtifacts } from '../signer.metrics.js';
import { artifactSigningReactor } from './artifact-signing.reactor.js';

const describe = (err: unknown) => (isDomainError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err));

/** Follows EV_ARTIFACTS once the facade has declared it, and signs every received artifact. */
function artifactSigningDeclaration(repositories: TufRepositories): ModuleDeclaration {
  const logger = new Logger('artifact-signing');
  return {
    module: 'artifact-signing',
    needs: [{ stream: eventStreams.registry, owner: 'registry facade' }],
    reactors: [
      {
        name: 'artifact signing',
        reactor: artifactSigningReactor(repositories),
        // Single-active: one replica signs, so two artifacts of a fleet never race for its next targets
        // version, and an artifact is signed once.
        replicas: 'single-active',
        // A pull with a larger batch waits for the batch to fill or the fetch to expire (1 s), and an
        // artifact is not published until it is signed: take each one as soon as it arrives.
        batchSize: 1,
        onError: (err) => logger.error(`signing failed, will retry: ${describe(err)}`),
        // Never silently: an artifact refused here is never published.
        onPoison: (err, msg) => {
          refusedArtifacts().inc({ code: isDomainError(err) ? err.code : 'unreadable' });
          logger.error(`artifact event ${msg.subject} #${msg.seq} refused, not signed: ${describe(err)}`);
        },
      },
    ],
  };
}

const ARTIFACT_SIGNING_DECLARATION = Symbol('ArtifactSigningDeclaration');

/** Publishing is signing: received artifacts become signed targets. */
@Module({
  imports: [RepositoryModule],
  providers: [
    {
      provide: ARTIFACT_SIGNING_DECLARATION,
      inject: [TufRepositories],
      useFactory: (repositories: TufRepositories) => declareModule(artifactSigningDeclaration(repositories)),
    },
  ],
})
export class ArtifactSigningModule {}
