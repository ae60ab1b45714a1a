import type { ServerResponse } from 'node:http';
import { Controller, Get, Inject, Logger, Query, Res } from '@nestjs/common';
import { audit } from '@keelson/requests';
import { OperatorRequests } from '../http/operator-requests.js';
import { parseQuery } from '../http/request.schemas.js';
import { auditExportPages, writeAuditExport } from './audit-export.stream.js';
import { AuditExportQuery, AuditQuery } from './audit.schemas.js';

/** The fleet's audit trail, queried and exported through the audit service. */
@Controller('v1/audit')
export class AuditController {
  private readonly logger = new Logger('audit-export');

  constructor(@Inject(OperatorRequests) private readonly requests: OperatorRequests) {}

  @Get()
  query(@Query() query: unknown) {
    const { fleet, rollout, device, artifact, type, since, until, order, limit, cursor } = parseQuery(AuditQuery, query);
    return this.requests.call(audit.queryAudit, {
      fleet,
      rolloutId: rollout,
      deviceId: device,
      artifact,
      types: type,
      since,
      until,
      order,
      limit,
      cursor,
    });
  }

  @Get('export')
  async export(@Query() query: unknown, @Res() res: ServerResponse): Promise<void> {
    const { fleet, since, until, format, raw, rollout, device, artifact } = parseQuery(AuditExportQuery, query);
    const pages = auditExportPages(this.requests, { fleet, since, until, rolloutId: rollout, deviceId: device, artifact });
    const filename = `keelson-audit-${fleet}-${since}-${until}.${format}`.replaceAll(':', '');
    const onCutOff = (err: unknown) =>
      this.logger.warn(`audit export of ${fleet} cut off: ${err instanceof Error ? err.message : String(err)}`);
    await writeAuditExport(res, pages, { format, raw, filename, onCutOff });
  }
}
