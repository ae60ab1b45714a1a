import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { ProjectionRunner } from '@keelson/event-store';
import type { TufEvent } from '@keelson/events';
import { migrate, type Database } from '@keelson/postgres';
import { DATABASE, NATS, SERVICE_CONFIG, type ServiceConfig } from '@keelson/service-kit';
import { DeviceAccessModule } from '../device-access/device-access.module.js';
import { registryDatabase } from '../registry-database.js';
import { TufMetadataController } from './tuf-metadata.controller.js';
import { tufMetadataMigrations, tufMetadataProjection } from './tuf-metadata.projection.js';
import { TufMetadataStore } from './tuf-metadata.store.js';

/** Keeps the `tuf_metadata` table following the signer's stream. */
@Injectable()
class TufMetadataRunner implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('tuf-metadata');
  private readonly projection: ProjectionRunner<TufEvent>;

  constructor(
    @Inject(NATS) nc: NatsConnection,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(DATABASE) private readonly db: Database | null,
  ) {
    const onError = (err: unknown) => this.logger.error(`tuf metadata read model: ${err instanceof Error ? err.message : String(err)}`);
    this.projection = new ProjectionRunner({ nc, naming: config.naming, db: registryDatabase(db), projection: tufMetadataProjection, onError });
  }

  async onModuleInit(): Promise<void> {
    await migrate(registryDatabase(this.db), tufMetadataMigrations);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.projection.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.projection.stop();
  }
}

/** Each fleet's TUF metadata, projected from the signer's events and served to the fleet's devices. */
@Module({
  imports: [DeviceAccessModule],
  controllers: [TufMetadataController],
  providers: [TufMetadataRunner, { provide: TufMetadataStore, inject: [DATABASE], useFactory: (db: Database | null) => new TufMetadataStore(registryDatabase(db)) }],
})
export class TufMetadataModule {}
