import { Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseGroupEvent, type GroupEvent } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import { DATABASE, declareModule, NATS, requireDatabase, SERVICE_CONFIG, type ServiceConfig } from '@keelson/service-kit';
import { DeviceViews } from '../devices/device-views.js';
import { DevicesModule } from '../devices/devices.module.js';
import { deviceTables } from '../devices/gateway-database.js';
import { GroupRequests } from './group-requests.controller.js';
import { Groups } from './groups.js';
import { groupsMigrations, groupsProjection } from './groups.projection.js';

const GROUPS_DECLARATION = Symbol('GroupsDeclaration');

/** Static device groups made from device names: projects groups and serves the group commands (create, add and remove members, delete, get, list). */
@Module({
  imports: [DevicesModule],
  controllers: [GroupRequests],
  providers: [
    {
      provide: Groups,
      inject: [NATS, SERVICE_CONFIG, DATABASE, DeviceViews],
      useFactory: (nc: NatsConnection, config: ServiceConfig, db: Database | null, views: DeviceViews) =>
        new Groups(
          new EventStore<GroupEvent>({ nc, naming: config.naming, stream: eventStreams.gateway, parse: parseGroupEvent }),
          views,
          requireDatabase(db, 'device-gateway', deviceTables),
        ),
    },
    {
      provide: GROUPS_DECLARATION,
      useValue: declareModule({
        module: 'groups',
        database: 'device and group read models live there',
        migrations: groupsMigrations,
        projections: [{ name: 'groups read model', projection: groupsProjection }],
        requestControllers: [GroupRequests],
      }),
    },
  ],
})
export class GroupsModule {}
