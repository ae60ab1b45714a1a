import { Controller, Get, Inject, Query } from '@nestjs/common';
import { audit } from '@keelson/commands';
import { OperatorCommands } from '../http/operator-commands.js';
import { parseQuery } from '../http/request.schemas.js';
import { AuditQuery } from './audit.schemas.js';

/** The audit trail, queried from the audit service's projection. */
@Controller('v1/audit')
export class AuditController {
  constructor(@Inject(OperatorCommands) private readonly commands: OperatorCommands) {}

  @Get()
  query(@Query() query: unknown) {
    const { fleet, rollout, device, artifact, type, since, until, order, limit, cursor } = parseQuery(AuditQuery, query);
    return this.commands.call(audit.queryAudit, { fleet, rolloutId: rollout, deviceId: device, artifact, types: type, since, until, order, limit, cursor });
  }
}
