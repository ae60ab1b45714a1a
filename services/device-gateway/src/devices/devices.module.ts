import { Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
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
import { credentialsMigrations } from '../credentials/credentials.migrations.js';
import { DeviceRequests } from './device-requests.controller.js';
import { DeviceDirectory } from './device-directory.js';
import { DeviceProfiles } from './device-profiles.js';
import { DevicePresenceStore } from './device-presence.store.js';
import { DeviceViews } from './device-views.js';
import { Devices } from './devices.js';
import { devicesMigrations, devicesProjection } from './devices.projection.js';
import { deviceTables } from './gateway-database.js';

/** Owns EV_DEVICES and the tables, projects devices, and serves the device commands (`DeviceRequests`). */
const devicesDeclaration: ModuleDeclaration = {
  module: 'devices',
  database: deviceTables,
  streams: [eventStreams.gateway],
  migrations: [...devicesMigrations, ...credentialsMigrations], // decommissioning revokes in the credentials table
  projections: [{ name: 'devices read model', projection: devicesProjection }],
  requestControllers: [DeviceRequests],
};

const DEVICES_DECLARATION = Symbol('DevicesDeclaration');

/** Devices: the aggregate, its read model, the directory of fleets and the device queries. */
@Module({
  controllers: [DeviceRequests],
  providers: [
    { provide: DEVICES_DECLARATION, useValue: declareModule(devicesDeclaration) },
    {
      provide: Devices,
      inject: [NATS, SERVICE_CONFIG],
      useFactory: (nc: NatsConnection, config: ServiceConfig) =>
        new Devices(new EventStore<DeviceEvent>({ nc, naming: config.naming, stream: eventStreams.gateway, parse: parseDeviceEvent })),
    },
    {
      provide: DeviceDirectory,
      inject: [NATS, SERVICE_CONFIG],
      useFactory: (nc: NatsConnection, config: ServiceConfig) => new DeviceDirectory(nc, config.naming),
    },
    {
      provide: DeviceViews,
      inject: [DATABASE],
      useFactory: (db: Database | null) => new DeviceViews(requireDatabase(db, 'device-gateway', deviceTables)),
    },
    {
      provide: DeviceProfiles,
      inject: [DATABASE],
      useFactory: (db: Database | null) => new DeviceProfiles(requireDatabase(db, 'device-gateway', deviceTables)),
    },
    {
      provide: DevicePresenceStore,
      inject: [DATABASE],
      useFactory: (db: Database | null) => new DevicePresenceStore(requireDatabase(db, 'device-gateway', deviceTables)),
    },
  ],
  exports: [Devices, DeviceDirectory, DeviceViews, DevicePresenceStore],
})
export class DevicesModule {}
