import { Controller, Inject } from '@nestjs/common';
import { gateway } from '@keelson/commands';
import type { Database } from '@keelson/postgres';
import { CommandPattern, DATABASE, eventMetadataOf, requireDatabase, type CommandContext, type CommandIn, type CommandOut } from '@keelson/service-kit';
import { DeviceCredentialsStore } from '../credentials/device-credentials.store.js';
import { assignMany } from './assign-many.js';
import { DeviceProfiles } from './device-profiles.js';
import { DeviceViews } from './device-views.js';
import { Devices } from './devices.js';
import { deviceTables } from './gateway-database.js';

/** `list-devices`, `count-installed-versions`, `get-device`, `find-devices`, `match-devices`, `assign`, `assign-many` and `decommission-device`. */
@Controller()
export class DeviceCommands {
  private readonly db: Database;

  constructor(
    @Inject(DATABASE) db: Database | null,
    @Inject(Devices) private readonly devices: Devices,
    @Inject(DeviceViews) private readonly views: DeviceViews,
    @Inject(DeviceProfiles) private readonly profiles: DeviceProfiles,
  ) {
    this.db = requireDatabase(db, 'device-gateway', deviceTables);
  }

  @CommandPattern(gateway.listDevices)
  list(input: CommandIn<typeof gateway.listDevices>): CommandOut<typeof gateway.listDevices> {
    const { fleet, limit, cursor, ...filters } = input;
    return this.views.list(fleet, limit, cursor, filters);
  }

  @CommandPattern(gateway.countInstalledVersions)
  versions(input: CommandIn<typeof gateway.countInstalledVersions>): CommandOut<typeof gateway.countInstalledVersions> {
    return this.views.versionCounts(input.fleet);
  }

  @CommandPattern(gateway.getDevice)
  get(input: CommandIn<typeof gateway.getDevice>): CommandOut<typeof gateway.getDevice> {
    return this.views.get(input);
  }

  @CommandPattern(gateway.findDevices)
  find(input: CommandIn<typeof gateway.findDevices>): CommandOut<typeof gateway.findDevices> {
    return this.profiles.find(input);
  }

  @CommandPattern(gateway.matchDevices)
  match(input: CommandIn<typeof gateway.matchDevices>): CommandOut<typeof gateway.matchDevices> {
    return this.profiles.match(input);
  }

  @CommandPattern(gateway.assignDevice)
  async assign(input: CommandIn<typeof gateway.assignDevice>, ctx: CommandContext): CommandOut<typeof gateway.assignDevice> {
    const outcome = await this.devices.execute(input.fleet, input.deviceId, { type: 'Assign', assignment: input.assignment }, eventMetadataOf(ctx));
    const generation = outcome.state.status === 'absent' ? 0 : outcome.state.generation;
    return { generation, changed: outcome.events.length > 0 };
  }

  @CommandPattern(gateway.assignDevices)
  assignMany(input: CommandIn<typeof gateway.assignDevices>, ctx: CommandContext): CommandOut<typeof gateway.assignDevices> {
    return assignMany(this.devices, input, eventMetadataOf(ctx));
  }

  @CommandPattern(gateway.decommissionDevice)
  async decommission(input: CommandIn<typeof gateway.decommissionDevice>, ctx: CommandContext): CommandOut<typeof gateway.decommissionDevice> {
    const command = { type: 'Decommission' as const, ...(input.reason === undefined ? {} : { reason: input.reason }) };
    const outcome = await this.devices.execute(input.fleet, input.deviceId, command, eventMetadataOf(ctx));
    // Revoked before the answer, so no reconnect is admitted once the operator is told it is done
    // (the devices projection does the same from the event, for every other path).
    await this.db.transaction((sql) => DeviceCredentialsStore.revoke(sql, input.deviceId, new Date()));
    return { fleet: input.fleet, deviceId: input.deviceId, status: 'decommissioned' as const, changed: outcome.events.length > 0 };
  }
}
