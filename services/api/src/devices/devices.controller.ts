import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { gateway } from '@keelson/requests';
import { findByIdOrName } from '../http/by-id-or-name.js';
import { OperatorRequests } from '../http/operator-requests.js';
import { FleetQuery, parseBody, parseParams, parseQuery } from '../http/request.schemas.js';
import { DecommissionRequest, DeviceListQuery, DeviceParams } from './device.schemas.js';

/** Devices as the gateway's read model knows them. */
@Controller('v1/devices')
export class DevicesController {
  constructor(@Inject(OperatorRequests) private readonly requests: OperatorRequests) {}

  @Get()
  list(@Query() query: unknown) {
    return this.requests.call(gateway.listDevices, parseQuery(DeviceListQuery, query));
  }

  @Get(':id')
  get(@Query() query: unknown, @Param() params: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const { id } = parseParams(DeviceParams, params);
    return findByIdOrName(
      id,
      (deviceId) => this.requests.call(gateway.getDevice, { fleet, deviceId }),
      (name) => this.requests.call(gateway.getDevice, { fleet, name }),
    );
  }

  /** Retires a device (by id or name): credentials revoked, live connection dropped, left out of every rollout. */
  @Post(':id/decommission')
  @HttpCode(200)
  async decommission(@Query() query: unknown, @Param() params: unknown, @Body() body: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const { id } = parseParams(DeviceParams, params);
    const { reason } = parseBody(DecommissionRequest, body);
    const device = await this.get({ fleet }, { id });
    return this.requests.call(gateway.decommissionDevice, {
      fleet,
      deviceId: device.deviceId,
      ...(reason === undefined ? {} : { reason }),
    });
  }
}
