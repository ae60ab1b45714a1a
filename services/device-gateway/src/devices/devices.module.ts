import { Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { gateway } from '@keelson/commands';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import {
  DATABASE, declareModule, eventMetadataOf, handlerFor, NATS, requireDatabase, SERVICE_CONFIG, type ModuleDeclaration, type ServiceConfig,
} from '@keelson/service-kit';
import { credentialsMigrations } from '../credentials/credentials.migrations.js';
import { DeviceCredentialsStore } from '../credentials/device-credentials.store.js';
import { assignMany } from './assign-many.js';
import { DeviceDirectory } from './device-directory.js';
import { DeviceProfiles } from './device-profiles.js';
import { DevicePresenceStore } from './device-presence.store.js';
import { DeviceViews } from './device-views.js';
import { Devices } from './devices.js';
import { devicesMigrations, devicesProjection } from './devices.projection.js';

/** The device half of the gateway keeps its read models in the gateway's own database. */
export function gatewayDatabase(db: Database | null): Database {
  return requireDatabase(db, 'device-gateway', deviceTables);
}

const deviceTables = 'device and group read models live there';

interface DevicesParts {
  db: Database;
  devices: Devices;
  views: DeviceViews;
  profiles: DeviceProfiles;
}

/** Owns EV_DEVICES and the tables, projects devices, and serves `list-devices`, `get-device`, `find-devices`, `assign`, `assign-many` and `decommission-device`. */
function devicesDeclaration({ db, devices, views, profiles }: DevicesParts): ModuleDeclaration {
  return {
    module: 'devices',
    database: deviceTables,
    streams: [eventStreams.gateway],
    migrations: [...devicesMigrations, ...credentialsMigrations], // decommissioning revokes in the credentials table
    projections: [{ name: 'devices read model', projection: devicesProjection }],
    commands: [
      handlerFor(gateway.listDevices, (input) => views.list(input.fleet, input.limit, input.cursor)),
      handlerFor(gateway.getDevice, (input) => views.get(input)),
      handlerFor(gateway.findDevices, (input) => profiles.find(input)),
      handlerFor(gateway.matchDevices, (input) => profiles.match(input)),
      handlerFor(gateway.assignDevice, async (input, ctx) => {
        const outcome = await devices.execute(input.fleet, input.deviceId, { type: 'Assign', assignment: input.assignment }, eventMetadataOf(ctx));
        const generation = outcome.state.status === 'absent' ? 0 : outcome.state.generation;
        return { generation, changed: outcome.events.length > 0 };
      }),
      handlerFor(gateway.assignDevices, (input, ctx) => assignMany(devices, input, eventMetadataOf(ctx))),
      handlerFor(gateway.decommissionDevice, async (input, ctx) => {
        const command = { type: 'Decommission' as const, ...(input.reason === undefined ? {} : { reason: input.reason }) };
        const outcome = await devices.execute(input.fleet, input.deviceId, command, eventMetadataOf(ctx));
        // Revoked before the answer, so no reconnect is admitted once the operator is told it is done
        // (the devices projection does the same from the event, for every other path).
        await db.transaction((sql) => DeviceCredentialsStore.revoke(sql, input.deviceId, new Date()));
        return { fleet: input.fleet, deviceId: input.deviceId, status: 'decommissioned' as const, changed: outcome.events.length > 0 };
      }),
    ],
  };
}

const DEVICES_DECLARATION = Symbol('DevicesDeclaration');

/** Devices: the aggregate, its read model, the directory of fleets and the device queries. */
@Module({
  providers: [
    {
      provide: DEVICES_DECLARATION,
      inject: [DATABASE, Devices, DeviceViews, DeviceProfiles],
      useFactory: (db: Database | null, devices: Devices, views: DeviceViews, profiles: DeviceProfiles) =>
        declareModule(devicesDeclaration({ db: gatewayDatabase(db), devices, views, profiles })),
    },
    {
      provide: Devices,
      inject: [NATS, SERVICE_CONFIG],
      useFactory: (nc: NatsConnection, config: ServiceConfig) =>
        new Devices(new EventStore<DeviceEvent>({ nc, naming: config.naming, stream: eventStreams.gateway, parse: parseDeviceEvent })),
    },
    { provide: DeviceDirectory, inject: [NATS, SERVICE_CONFIG], useFactory: (nc: NatsConnection, config: ServiceConfig) => new DeviceDirectory(nc, config.naming) },
    { provide: DeviceViews, inject: [DATABASE], useFactory: (db: Database | null) => new DeviceViews(gatewayDatabase(db)) },
    { provide: DeviceProfiles, inject: [DATABASE], useFactory: (db: Database | null) => new DeviceProfiles(gatewayDatabase(db)) },
    { provide: DevicePresenceStore, inject: [DATABASE], useFactory: (db: Database | null) => new DevicePresenceStore(gatewayDatabase(db)) },
  ],
  exports: [Devices, DeviceDirectory, DeviceViews, DevicePresenceStore],
})
export class DevicesModule {}
