import { Controller, Get, Inject, Query } from '@nestjs/common';
import { gateway } from '@keelson/requests';
import { OperatorRequests } from '../http/operator-requests.js';
import { FleetQuery, parseQuery } from '../http/request.schemas.js';

/**
 * The fleet-wide version distribution: how many active devices run each artifact version, counted
 * by the gateway in one query, so the console shows it for a fleet of any size without paging.
 */
@Controller('v1/installed-versions')
export class InstalledVersionsController {
  constructor(@Inject(OperatorRequests) private readonly requests: OperatorRequests) {}

  @Get()
  count(@Query() query: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    return this.requests.call(gateway.countInstalledVersions, { fleet });
  }
}
