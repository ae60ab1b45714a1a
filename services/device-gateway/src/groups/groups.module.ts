import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { gateway } from '@keelson/commands';
import { eventStreams, EventStore, ProjectionRunner } from '@keelson/event-store';
import { parseGroupEvent, type GroupEvent } from '@keelson/events';
import { migrate, type Database } from '@keelson/postgres';
import { DATABASE, handlerFor, NATS, serveCommands, SERVICE_CONFIG, type ServiceConfig } from '@keelson/service-kit';
import { DeviceViews } from '../devices/device-views.js';
import { DevicesModule, gatewayDatabase } from '../devices/devices.module.js';
import { Groups } from './groups.js';
import { groupsMigrations, groupsProjection } from './groups.projection.js';

/** Projects groups and serves `create-group`, `get-group` and `list-groups`. */
@Injectable()
class GroupsRunner implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('groups');
  private readonly projection: ProjectionRunner<GroupEvent>;
  private subscriptions: Subscription[] = [];

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(DATABASE) private readonly db: Database | null,
    private readonly groups: Groups,
  ) {
    const onError = (err: unknown) => this.logger.error(`groups read model: ${err instanceof Error ? err.message : String(err)}`);
    this.projection = new ProjectionRunner({ nc, naming: config.naming, db: gatewayDatabase(db), projection: groupsProjection, onError });
  }

  async onModuleInit(): Promise<void> {
    await migrate(gatewayDatabase(this.db), groupsMigrations);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.projection.start();
    const onError = (err: unknown, subject: string) => this.logger.error(`${subject}: ${err instanceof Error ? err.message : String(err)}`);
    this.subscriptions = serveCommands(this.nc, this.config.naming, [
      handlerFor(gateway.createGroup, (input, ctx) => this.groups.create(input, ctx)),
      handlerFor(gateway.getGroup, (input) => this.groups.get(input)),
      handlerFor(gateway.listGroups, (input) => this.groups.list(input.fleet, input.limit, input.cursor)),
    ], { onError });
    await this.nc.flush(); // the subscriptions are registered before the service says it is listening
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain()));
    await this.projection.stop();
  }
}

/** Static device groups made from device names. */
@Module({
  imports: [DevicesModule],
  providers: [
    GroupsRunner,
    {
      provide: Groups,
      inject: [NATS, SERVICE_CONFIG, DATABASE, DeviceViews],
      useFactory: (nc: NatsConnection, config: ServiceConfig, db: Database | null, views: DeviceViews) =>
        new Groups(new EventStore<GroupEvent>({ nc, naming: config.naming, stream: eventStreams.gateway, parse: parseGroupEvent }), views, gatewayDatabase(db)),
    },
  ],
})
export class GroupsModule {}
