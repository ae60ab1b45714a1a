import { Controller, Inject } from '@nestjs/common';
import { gateway } from '@keelson/requests';
import type { Database } from '@keelson/postgres';
import {
  RequestPattern,
  DATABASE,
  eventMetadataOf,
  requireDatabase,
  type RequestContext,
  type RequestIn,
  type RequestOut,
} from '@keelson/service-kit';
import { DeviceCredentialsStore } from '../credentials/device-credentials.store.js';
import { assignMany } from './assign-many.js';
import { DeviceProfiles } from './device-profiles.js';
import { DeviceViews } from './device-views.js';
import { Devices } from './devices.js';
import { deviceTables } from './gateway-database.js';

/** `list-devices`, `count-installed-versions`, `get-device`, `find-devices`, `match-devices`, `assign`, `assign-many` and `decommission-device`. */
@Controller()
export class DeviceRequests {
  private readonly db: Database;

  constructor(
    @Inject(DATABASE) db: Database | null,
    @Inject(Devices) private readonly devices: Devices,
    @Inject(DeviceViews) private readonly views: DeviceViews,
    @Inject(DeviceProfiles) private readonly profiles: DeviceProfiles,
  ) {
    this.db = requireDatabase(db, 'device-gateway', deviceTables);
  }

  @RequestPattern(gateway.listDevices)
  list(input: RequestIn<typeof gateway.listDevices>): RequestOut<typeof gateway.listDevices> {
    const { fleet, limit, cursor, ...filters } = input;
    return this.views.list(fleet, limit, cursor, filters);
  }

  @RequestPattern(gateway.countInstalledVersions)
  versions(input: RequestIn<typeof gateway.countInstalledVersions>): RequestOut<typeof gateway.countInstalledVersions> {
    return this.views.versionCounts(input.fleet);
  }

  @RequestPattern(gateway.getDevice)
  get(input: RequestIn<typeof gateway.getDevice>): RequestOut<typeof gateway.getDevice> {
    return this.views.get(input);
  }

  @RequestPattern(gateway.findDevices)
  find(input: RequestIn<typeof gateway.findDevices>): RequestOut<typeof gateway.findDevices> {
    return this.profiles.find(input);
  }

  @RequestPattern(gateway.matchDevices)
  match(input: RequestIn<typeof gateway.matchDevices>): RequestOut<typeof gateway.matchDevices> {
    return this.profiles.match(input);
  }

  @RequestPattern(gateway.assignDevice)
  async assign(input: RequestIn<typeof gateway.assignDevice>, ctx: RequestContext): RequestOut<typeof gateway.assignDevice> {
    const outcome = await this.devices.execute(
      input.fleet,
      input.deviceId,
      { type: 'Assign', assignment: input.assignment },
      eventMetadataOf(ctx),
    );
    const generation = outcome.state.status === 'absent' ? 0 : outcome.state.generation;
    return { generation, changed: outcome.events.length > 0 };
  }

  @RequestPattern(gateway.assignDevices)
  assignMany(input: RequestIn<typeof gateway.assignDevices>, ctx: RequestContext): RequestOut<typeof gateway.assignDevices> {
    return assignMany(this.devices, input, eventMetadataOf(ctx));
  }

  @RequestPattern(gateway.decommissionDevice)
  async decommission(
    input: RequestIn<typeof gateway.decommissionDevice>,
    ctx: RequestContext,
  ): RequestOut<typeof gateway.decommissionDevice> {
    const command = { type: 'Decommission' as const, ...(input.reason === undefined ? {} : { reason: input.reason }) };
    const outcome = await this.devices.execute(input.fleet, input.deviceId, command, eventMetadataOf(ctx));
    // Revoked before the answer, so no reconnect is admitted once the operator is told it is done
    // (the devices projection does the same from the event, for every other path).
    await this.db.transaction((sql) => DeviceCredentialsStore.revoke(sql, input.deviceId, new Date()));
    return { fleet: input.fleet, deviceId: input.deviceId, status: 'decommissioned' as const, changed: outcome.events.length > 0 };
  }
}
