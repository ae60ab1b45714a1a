import { Controller, Get, Inject, Query } from '@nestjs/common';
import { gateway } from '@keelson/commands';
import { OperatorCommands } from '../http/operator-commands.js';
import { FleetQuery, parseQuery } from '../http/request.schemas.js';

/**
 * The fleet-wide version distribution: how many active devices run each artifact version, counted
 * by the gateway in one query, so the console shows it for a fleet of any size without paging.
 */
@Controller('v1/installed-versions')
export class InstalledVersionsController {
  constructor(@Inject(OperatorCommands) private readonly commands: OperatorCommands) {}

  @Get()
  count(@Query() query: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    return this.commands.call(gateway.countInstalledVersions, { fleet });
  }
}
