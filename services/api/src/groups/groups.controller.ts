import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { gateway } from '@keelson/requests';
import { findByIdOrName } from '../http/by-id-or-name.js';
import { OperatorRequests } from '../http/operator-requests.js';
import { FleetQuery, ListQuery, parseBody, parseParams, parseQuery } from '../http/request.schemas.js';
import { refuseDeletingExperimentGroup } from './group-in-experiment.js';
import { CreateGroupRequest, GroupMembersRequest, GroupParams } from './group.schemas.js';

/** Static groups of devices, owned by the gateway: created, listed, read, edited and deleted. */
@Controller('v1/groups')
export class GroupsController {
  constructor(@Inject(OperatorRequests) private readonly requests: OperatorRequests) {}

  @Post()
  @HttpCode(201)
  create(@Query() query: unknown, @Body() body: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const { name, devices } = parseBody(CreateGroupRequest, body);
    return this.requests.call(gateway.createGroup, { fleet, name, deviceNames: devices });
  }

  @Get()
  list(@Query() query: unknown) {
    const { fleet, limit, cursor } = parseQuery(ListQuery, query);
    return this.requests.call(gateway.listGroups, { fleet, limit, cursor });
  }

  @Get(':idOrName')
  async get(@Query() query: unknown, @Param() params: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const { idOrName } = parseParams(GroupParams, params);
    return this.find(fleet, idOrName);
  }

  @Post(':idOrName/members')
  @HttpCode(200)
  async addMembers(@Query() query: unknown, @Param() params: unknown, @Body() body: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const { idOrName } = parseParams(GroupParams, params);
    const { devices } = parseBody(GroupMembersRequest, body);
    const { groupId } = await this.find(fleet, idOrName);
    return this.requests.call(gateway.addGroupMembers, { fleet, groupId, deviceNames: devices });
  }

  @Delete(':idOrName/members')
  async removeMembers(@Query() query: unknown, @Param() params: unknown, @Body() body: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const { idOrName } = parseParams(GroupParams, params);
    const { devices } = parseBody(GroupMembersRequest, body);
    const { groupId } = await this.find(fleet, idOrName);
    return this.requests.call(gateway.removeGroupMembers, { fleet, groupId, deviceNames: devices });
  }

  @Delete(':idOrName')
  async delete(@Query() query: unknown, @Param() params: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const { idOrName } = parseParams(GroupParams, params);
    const { groupId, name } = await this.find(fleet, idOrName);
    await refuseDeletingExperimentGroup(this.requests, fleet, groupId, name);
    return this.requests.call(gateway.deleteGroup, { fleet, groupId });
  }

  private find(fleet: string, idOrName: string) {
    return findByIdOrName(
      idOrName,
      (groupId) => this.requests.call(gateway.getGroup, { fleet, groupId }),
      (name) => this.requests.call(gateway.getGroup, { fleet, name }),
    );
  }
}
