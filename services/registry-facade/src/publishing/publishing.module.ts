import { Logger, Module } from '@nestjs/common';
import type { Database } from '@keelson/postgres';
import { DATABASE, declareModule, describeError, requireDatabase, type ModuleDeclaration } from '@keelson/service-kit';
import { Artifacts } from '../artifacts/artifacts.js';
import { ArtifactsModule } from '../artifacts/artifacts.module.js';
import { registryTables } from '../registry-database.js';
import { servesRoleVersion } from '../tuf-metadata/served-coverage.js';
import { NotYetServedError, publishSignedArtifacts } from './publish-signed-artifacts.reactor.js';

// A signed bin is usually served within one projection commit of the TUF metadata; the default
// second would add most of that to every publication.
const retryDelayMs = 250;

/** The publisher: publishes each artifact whose signed target the facade serves. */
function publishingDeclaration(artifacts: Artifacts, served: Database): ModuleDeclaration {
  const logger = new Logger('publishing');
  const reactor = publishSignedArtifacts(
    artifacts,
    (fleet, role, version) => servesRoleVersion(served, fleet, role, version),
    (fleet, targetPath, why) => logger.warn(`signed target ${fleet}:${targetPath} not published: ${why}`),
  );
  return {
    module: 'publishing',
    reactors: [
      {
        name: 'publishing',
        reactor,
        retryDelayMs,
        // Single-active: one replica publishes, each artifact once (its publication is an event).
        replicas: 'single-active',
        // Waiting for the TUF projection is expected (both follow the same events); it is logged, not an error.
        onError: (err) => (err instanceof NotYetServedError ? logger.log(err.message) : logger.error(`publishing: ${describeError(err)}`)),
        onPoison: (err) => logger.error(`publishing: dropped a malformed TUF event: ${describeError(err)}`),
      },
    ],
  };
}

const PUBLISHING_DECLARATION = Symbol('PublishingDeclaration');

/** Runs the publisher for the lifetime of the app. */
@Module({
  imports: [ArtifactsModule],
  providers: [
    {
      provide: PUBLISHING_DECLARATION,
      inject: [Artifacts, DATABASE],
      useFactory: (artifacts: Artifacts, db: Database | null) =>
        declareModule(publishingDeclaration(artifacts, requireDatabase(db, 'registry-facade', registryTables))),
    },
  ],
})
export class PublishingModule {}
