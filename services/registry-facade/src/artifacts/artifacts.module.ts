import { Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseArtifactEvent, type ArtifactEvent } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import {
  DATABASE,
  declareModule,
  NATS,
  requireDatabase,
  SERVICE_CONFIG,
  type ModuleDeclaration,
  type ServiceConfig,
} from '@keelson/service-kit';
import { registryTables } from '../registry-database.js';
import { ArtifactRequests } from './artifact-requests.controller.js';
import { ArtifactViews } from './artifact-views.js';
import { Artifacts } from './artifacts.js';
import { artifactsMigrations, artifactsProjection } from './artifacts.projection.js';

const ARTIFACTS_DECLARATION = Symbol('ArtifactsDeclaration');

/** Applies the streams and tables, projects artifacts, and serves `get-artifact`, `resolve-artifact` and `list-artifacts` (`ArtifactRequests`). */
function artifactsDeclaration(): ModuleDeclaration {
  return {
    module: 'artifacts',
    database: registryTables,
    // EV_TUF is the signer's; declaring it here too (same config, idempotent) lets the facade start
    // first: its TUF projection and publisher need the stream to exist, not to have events.
    streams: [eventStreams.registry, eventStreams.signer],
    migrations: artifactsMigrations,
    projections: [{ name: 'artifacts read model', projection: artifactsProjection }],
    requestControllers: [ArtifactRequests],
  };
}

@Module({
  controllers: [ArtifactRequests],
  providers: [
    { provide: ARTIFACTS_DECLARATION, useValue: declareModule(artifactsDeclaration()) },
    {
      provide: Artifacts,
      inject: [NATS, SERVICE_CONFIG],
      useFactory: (nc: NatsConnection, config: ServiceConfig) =>
        new Artifacts(
          new EventStore<ArtifactEvent>({ nc, naming: config.naming, stream: eventStreams.registry, parse: parseArtifactEvent }),
        ),
    },
    {
      provide: ArtifactViews,
      inject: [DATABASE],
      useFactory: (db: Database | null) => new ArtifactViews(requireDatabase(db, 'registry-facade', registryTables)),
    },
  ],
  exports: [Artifacts, ArtifactViews],
})
export class ArtifactsModule {}
