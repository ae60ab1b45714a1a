import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { gateway } from '@keelson/commands';
import { findByIdOrName } from '../http/by-id-or-name.js';
import { OperatorCommands } from '../http/operator-commands.js';
import { FleetQuery, ListQuery, parseParams, parseQuery } from '../http/request.schemas.js';
import { DeviceParams } from './device.schemas.js';

/** Devices as the gateway's read model knows them. */
@Controller('v1/devices')
export class DevicesController {
  constructor(@Inject(OperatorCommands) private readonly commands: OperatorCommands) {}

  @Get()
  list(@Query() query: unknown) {
    const { fleet, limit, cursor } = parseQuery(ListQuery, query);
    return this.commands.call(gateway.listDevices, { fleet, limit, cursor });
  }

  @Get(':id')
  get(@Query() query: unknown, @Param() params: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const { id } = parseParams(DeviceParams, params);
    return findByIdOrName(
      id,
      (deviceId) => this.commands.call(gateway.getDevice, { fleet, deviceId }),
      (name) => this.commands.call(gateway.getDevice, { fleet, name }),
    );
  }
}
