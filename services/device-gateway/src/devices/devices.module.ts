import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { gateway } from '@keelson/commands';
import { applyStreams, eventStreams, EventStore, ProjectionRunner } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import { migrate, type Database } from '@keelson/postgres';
import { DATABASE, handlerFor, NATS, serveCommands, SERVICE_CONFIG, type CommandContext, type ServiceConfig } from '@keelson/service-kit';
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
  if (!db) throw new Error('device-gateway: KEELSON_DATABASE_URL is required (device and group read models live there)');
  return db;
}

const metaOf = (ctx: CommandContext) => ({ actor: ctx.actor, correlationId: ctx.correlationId, commandId: ctx.commandId });

/** Applies the stream and tables, projects devices, and serves `list-devices`, `get-device`, `find-devices`, `assign`, `assign-many` and `decommission-device`. */
@Injectable()
class DevicesRunner implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('devices');
  private readonly projection: ProjectionRunner<DeviceEvent>;
  private subscriptions: Subscription[] = [];

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(DATABASE) private readonly db: Database | null,
    private readonly devices: Devices,
    private readonly views: DeviceViews,
    private readonly profiles: DeviceProfiles,
  ) {
    const onError = (err: unknown) => this.logger.error(`devices read model: ${err instanceof Error ? err.message : String(err)}`);
    this.projection = new ProjectionRunner({ nc, naming: config.naming, db: gatewayDatabase(db), projection: devicesProjection, onError });
  }

  async onModuleInit(): Promise<void> {
    await applyStreams(await jetstreamManager(this.nc), this.config.naming, [eventStreams.gateway]);
    await migrate(gatewayDatabase(this.db), devicesMigrations);
    await migrate(gatewayDatabase(this.db), credentialsMigrations); // decommissioning revokes in it; idempotent
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.projection.start();
    const onError = (err: unknown, subject: string) => this.logger.error(`${subject}: ${err instanceof Error ? err.message : String(err)}`);
    this.subscriptions = serveCommands(this.nc, this.config.naming, [
      handlerFor(gateway.listDevices, (input) => this.views.list(input.fleet, input.limit, input.cursor)),
      handlerFor(gateway.getDevice, (input) => this.views.get(input)),
      handlerFor(gateway.findDevices, (input) => this.profiles.find(input)),
      handlerFor(gateway.matchDevices, (input) => this.profiles.match(input)),
      handlerFor(gateway.assignDevice, async (input, ctx) => {
        const outcome = await this.devices.execute(input.fleet, input.deviceId, { type: 'Assign', assignment: input.assignment }, metaOf(ctx));
        const generation = outcome.state.status === 'absent' ? 0 : outcome.state.generation;
        return { generation, changed: outcome.events.length > 0 };
      }),
      handlerFor(gateway.assignDevices, (input, ctx) => assignMany(this.devices, input, metaOf(ctx))),
      handlerFor(gateway.decommissionDevice, async (input, ctx) => {
        const command = { type: 'Decommission' as const, ...(input.reason === undefined ? {} : { reason: input.reason }) };
        const outcome = await this.devices.execute(input.fleet, input.deviceId, command, metaOf(ctx));
        // Revoked before the answer, so no reconnect is admitted once the operator is told it is done
        // (the devices projection does the same from the event, for every other path).
        await gatewayDatabase(this.db).transaction((sql) => DeviceCredentialsStore.revoke(sql, input.deviceId, new Date()));
        return { fleet: input.fleet, deviceId: input.deviceId, status: 'decommissioned' as const, changed: outcome.events.length > 0 };
      }),
    ], { onError });
    await this.nc.flush(); // the subscriptions are registered before the service says it is listening
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain()));
    await this.projection.stop();
  }
}

/** Devices: the aggregate, its read model, the directory of fleets and the device queries. */
@Module({
  providers: [
    DevicesRunner,
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
