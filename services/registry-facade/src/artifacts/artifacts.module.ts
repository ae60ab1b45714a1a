import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { registry } from '@keelson/commands';
import { applyStreams, eventStreams, EventStore, ProjectionRunner } from '@keelson/event-store';
import { parseArtifactEvent, type ArtifactEvent } from '@keelson/events';
import { migrate, type Database } from '@keelson/postgres';
import { DATABASE, handlerFor, NATS, serveCommands, SERVICE_CONFIG, type ServiceConfig } from '@keelson/service-kit';
import { registryDatabase } from '../registry-database.js';
import { ArtifactViews } from './artifact-views.js';
import { Artifacts } from './artifacts.js';
import { artifactsMigrations, artifactsProjection } from './artifacts.projection.js';

/** Applies the streams and tables, projects artifacts, and serves `get-artifact`, `resolve-artifact` and `list-artifacts`. */
@Injectable()
class ArtifactsRunner implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('artifacts');
  private readonly projection: ProjectionRunner<ArtifactEvent>;
  private subscriptions: Subscription[] = [];

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(DATABASE) private readonly db: Database | null,
    @Inject(ArtifactViews) private readonly views: ArtifactViews,
  ) {
    const onError = (err: unknown) => this.logger.error(`artifacts read model: ${err instanceof Error ? err.message : String(err)}`);
    this.projection = new ProjectionRunner({ nc, naming: config.naming, db: registryDatabase(db), projection: artifactsProjection, onError });
  }

  async onModuleInit(): Promise<void> {
    // EV_TUF is the signer's; declaring it here too (same config, idempotent) lets the facade start
    // first: its TUF projection and publisher need the stream to exist, not to have events.
    await applyStreams(await jetstreamManager(this.nc), this.config.naming, [eventStreams.registry, eventStreams.signer]);
    await migrate(registryDatabase(this.db), artifactsMigrations);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.projection.start();
    const onError = (err: unknown, subject: string) => this.logger.error(`${subject}: ${err instanceof Error ? err.message : String(err)}`);
    this.subscriptions = serveCommands(this.nc, this.config.naming, [
      handlerFor(registry.getArtifact, (input) => this.views.get(input.fleet, input.name, input.version)),
      handlerFor(registry.resolveArtifact, (input) => this.views.resolve(input.fleet, input.name, input.version)),
      handlerFor(registry.listArtifacts, (input) => this.views.list(input.fleet, input.limit, input.cursor, input.name)),
    ], { onError });
    await this.nc.flush(); // the subscriptions are registered before the service says it is listening
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain()));
    await this.projection.stop();
  }
}

/** Artifacts: the aggregate, its read model and the artifact queries. */
@Module({
  providers: [
    ArtifactsRunner,
    {
      provide: Artifacts,
      inject: [NATS, SERVICE_CONFIG],
      useFactory: (nc: NatsConnection, config: ServiceConfig) =>
        new Artifacts(new EventStore<ArtifactEvent>({ nc, naming: config.naming, stream: eventStreams.registry, parse: parseArtifactEvent })),
    },
    { provide: ArtifactViews, inject: [DATABASE], useFactory: (db: Database | null) => new ArtifactViews(registryDatabase(db)) },
  ],
  exports: [Artifacts, ArtifactViews],
})
export class ArtifactsModule {}
