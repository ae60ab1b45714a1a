import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { ProjectionRunner, readCheckpoint } from '@keelson/event-store';
import type { TufEvent } from '@keelson/events';
import { migrate, type Database } from '@keelson/postgres';
import { CLOCK, DATABASE, NATS, SERVICE_CONFIG, type Clock, type ServiceConfig } from '@keelson/service-kit';
import { registryDatabase } from '../registry-database.js';
import { TufMetadataFeed } from './tuf-metadata.feed.js';
import { TufMetadataMemory } from './tuf-metadata.memory.js';
import { tufMetadataMigrations, tufMetadataProjection } from './tuf-metadata.projection.js';
import { TufMetadataStore } from './tuf-metadata.store.js';

/** Keeps the `tuf_metadata` table following the signer's stream, and this replica's memory of it told of every signing. */
@Injectable()
class TufMetadataRunner implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('tuf-metadata');
  private readonly projection: ProjectionRunner<TufEvent>;
  private readonly feed: TufMetadataFeed;

  constructor(
    @Inject(NATS) nc: NatsConnection,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(DATABASE) private readonly db: Database | null,
    @Inject(TufMetadataMemory) memory: TufMetadataMemory,
  ) {
    const onError = (err: unknown) => this.logger.error(`tuf metadata read model: ${err instanceof Error ? err.message : String(err)}`);
    const database = registryDatabase(db);
    this.projection = new ProjectionRunner({ nc, naming: config.naming, db: database, projection: tufMetadataProjection, onError });
    this.feed = new TufMetadataFeed({
      nc, naming: config.naming, memory, appliedSeq: () => readCheckpoint(database, tufMetadataProjection.name),
      // Until the feed follows again, the newest timestamp is read from the database on every request.
      onError: (err) => this.logger.warn(`following TUF signings: ${err instanceof Error ? err.message : String(err)}`),
    });
  }

  async onModuleInit(): Promise<void> {
    await migrate(registryDatabase(this.db), tufMetadataMigrations);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.projection.start(); // creates the checkpoint table the feed starts from
    this.feed.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.feed.stop();
    await this.projection.stop();
  }
}

/** Each fleet's TUF metadata, projected from the signer's events, for the device routes to serve. */
@Module({
  providers: [
    TufMetadataRunner,
    { provide: TufMetadataMemory, inject: [CLOCK], useFactory: (clock: Clock) => new TufMetadataMemory({ clock }) },
    {
      provide: TufMetadataStore,
      inject: [DATABASE, TufMetadataMemory],
      useFactory: (db: Database | null, memory: TufMetadataMemory) => new TufMetadataStore(registryDatabase(db), memory),
    },
  ],
  exports: [TufMetadataStore],
})
export class TufMetadataModule {}
