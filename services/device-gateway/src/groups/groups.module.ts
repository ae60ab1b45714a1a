import { Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { gateway } from '@keelson/commands';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseGroupEvent, type GroupEvent } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import { DATABASE, declareModule, handlerFor, NATS, SERVICE_CONFIG, type ServiceConfig } from '@keelson/service-kit';
import { DeviceViews } from '../devices/device-views.js';
import { DevicesModule, gatewayDatabase } from '../devices/devices.module.js';
import { Groups } from './groups.js';
import { groupsMigrations, groupsProjection } from './groups.projection.js';

const GROUPS_DECLARATION = Symbol('GroupsDeclaration');

/** Static device groups made from device names: projects groups and serves `create-group`, `get-group` and `list-groups`. */
@Module({
  imports: [DevicesModule],
  providers: [
    {
      provide: Groups,
      inject: [NATS, SERVICE_CONFIG, DATABASE, DeviceViews],
      useFactory: (nc: NatsConnection, config: ServiceConfig, db: Database | null, views: DeviceViews) =>
        new Groups(new EventStore<GroupEvent>({ nc, naming: config.naming, stream: eventStreams.gateway, parse: parseGroupEvent }), views, gatewayDatabase(db)),
    },
    {
      provide: GROUPS_DECLARATION,
      inject: [Groups],
      useFactory: (groups: Groups) =>
        declareModule({
          module: 'groups',
          database: 'device and group read models live there',
          migrations: groupsMigrations,
          projections: [{ name: 'groups read model', projection: groupsProjection }],
          commands: [
            handlerFor(gateway.createGroup, (input, ctx) => groups.create(input, ctx)),
            handlerFor(gateway.getGroup, (input) => groups.get(input)),
            handlerFor(gateway.listGroups, (input) => groups.list(input.fleet, input.limit, input.cursor)),
          ],
        }),
    },
  ],
})
export class GroupsModule {}
