import { Controller, Inject } from '@nestjs/common';
import { audit, type RequestOutput, type ParsedRequestInput } from '@keelson/requests';
import type { Database } from '@keelson/postgres';
import { RequestPattern, DATABASE, requireDatabase } from '@keelson/service-kit';
import { verifyAndRecord } from '../audit-chain/chain-verification.js';
import { queryAuditLog } from '../audit-query/audit-query.js';
import { auditTables } from './audit-database.js';

/** `cmd.audit.query` and `cmd.audit.verify`, answered from the audit log's table. */
@Controller()
export class AuditRequests {
  private readonly db: Database;

  constructor(@Inject(DATABASE) db: Database | null) {
    this.db = requireDatabase(db, 'audit', auditTables);
  }

  @RequestPattern(audit.queryAudit)
  query(input: ParsedRequestInput<typeof audit.queryAudit>): Promise<RequestOutput<typeof audit.queryAudit>> {
    return queryAuditLog(this.db, input);
  }

  @RequestPattern(audit.verifyAudit)
  verify(): Promise<RequestOutput<typeof audit.verifyAudit>> {
    return verifyAndRecord(this.db); // the chain metric follows every check, asked or hourly
  }
}
