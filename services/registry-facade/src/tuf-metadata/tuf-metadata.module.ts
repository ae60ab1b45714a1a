import { Logger, Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { readCheckpoint } from '@keelson/event-store';
import type { Database } from '@keelson/postgres';
import {
  CLOCK,
  DATABASE,
  declareModule,
  describeError,
  NATS,
  requireDatabase,
  SERVICE_CONFIG,
  type Clock,
  type ModuleDeclaration,
  type ServiceConfig,
} from '@keelson/service-kit';
import { registryTables } from '../registry-database.js';
import { TufMetadataFeed } from './tuf-metadata.feed.js';
import { TufMetadataMemory } from './tuf-metadata.memory.js';
import { tufMetadataMigrations, tufMetadataProjection } from './tuf-metadata.projection.js';
import { TufMetadataStore } from './tuf-metadata.store.js';

const TUF_METADATA_DECLARATION = Symbol('TufMetadataDeclaration');

/** Keeps the `tuf_metadata` table following the signer's stream, and this replica's memory of it told of every signing. */
function tufMetadataDeclaration(nc: NatsConnection, config: ServiceConfig, db: Database, memory: TufMetadataMemory): ModuleDeclaration {
  const logger = new Logger('tuf-metadata');
  const feed = new TufMetadataFeed({
    nc,
    naming: config.naming,
    memory,
    appliedSeq: () => readCheckpoint(db, tufMetadataProjection.name),
    // Until the feed follows again, the newest timestamp is read from the database on every request.
    onError: (err) => logger.warn(`following TUF signings: ${describeError(err)}`),
  });
  return {
    module: 'tuf-metadata',
    database: registryTables,
    migrations: tufMetadataMigrations,
    projections: [
      { name: 'tuf metadata read model', projection: tufMetadataProjection }, // creates the checkpoint table the feed starts from
      { name: 'tuf metadata feed', replicas: 'every-replica', start: () => feed.start(), stop: () => feed.stop() }, // this replica's cache
    ],
  };
}

@Module({
  providers: [
    {
      provide: TUF_METADATA_DECLARATION,
      inject: [NATS, SERVICE_CONFIG, DATABASE, TufMetadataMemory],
      useFactory: (nc: NatsConnection, config: ServiceConfig, db: Database | null, memory: TufMetadataMemory) =>
        declareModule(tufMetadataDeclaration(nc, config, requireDatabase(db, 'registry-facade', registryTables), memory)),
    },
    { provide: TufMetadataMemory, inject: [CLOCK], useFactory: (clock: Clock) => new TufMetadataMemory({ clock }) },
    {
      provide: TufMetadataStore,
      inject: [DATABASE, TufMetadataMemory],
      useFactory: (db: Database | null, memory: TufMetadataMemory) =>
        new TufMetadataStore(requireDatabase(db, 'registry-facade', registryTables), memory),
    },
  ],
  exports: [TufMetadataStore],
})
export class TufMetadataModule {}
