import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { gateway } from '@keelson/commands';
import { findByIdOrName } from '../http/by-id-or-name.js';
import { OperatorCommands } from '../http/operator-commands.js';
import { FleetQuery, ListQuery, parseBody, parseParams, parseQuery } from '../http/request.schemas.js';
import { CreateGroupRequest, GroupParams } from './group.schemas.js';

/** Static groups of devices, owned by the gateway. */
@Controller('v1/groups')
export class GroupsController {
  constructor(@Inject(OperatorCommands) private readonly commands: OperatorCommands) {}

  @Post()
  @HttpCode(201)
  create(@Query() query: unknown, @Body() body: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const { name, devices } = parseBody(CreateGroupRequest, body);
    return this.commands.call(gateway.createGroup, { fleet, name, deviceNames: devices });
  }

  @Get()
  list(@Query() query: unknown) {
    const { fleet, limit, cursor } = parseQuery(ListQuery, query);
    return this.commands.call(gateway.listGroups, { fleet, limit, cursor });
  }

  @Get(':idOrName')
  get(@Query() query: unknown, @Param() params: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const { idOrName } = parseParams(GroupParams, params);
    return findByIdOrName(
      idOrName,
      (groupId) => this.commands.call(gateway.getGroup, { fleet, groupId }),
      (name) => this.commands.call(gateway.getGroup, { fleet, name }),
    );
  }
}
