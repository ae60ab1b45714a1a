import { Controller, Inject } from '@nestjs/common';
import { audit, type CommandOutput, type ParsedCommandInput } from '@keelson/commands';
import type { Database } from '@keelson/postgres';
import { CommandPattern, DATABASE, requireDatabase } from '@keelson/service-kit';
import { verifyAndRecord } from '../audit-chain/chain-verification.js';
import { queryAuditLog } from '../audit-query/audit-query.js';
import { auditTables } from './audit-database.js';

/** `cmd.audit.query` and `cmd.audit.verify`, answered from the audit log's table. */
@Controller()
export class AuditCommands {
  private readonly db: Database;

  constructor(@Inject(DATABASE) db: Database | null) {
    this.db = requireDatabase(db, 'audit', auditTables);
  }

  @CommandPattern(audit.queryAudit)
  query(input: ParsedCommandInput<typeof audit.queryAudit>): Promise<CommandOutput<typeof audit.queryAudit>> {
    return queryAuditLog(this.db, input);
  }

  @CommandPattern(audit.verifyAudit)
  verify(): Promise<CommandOutput<typeof audit.verifyAudit>> {
    return verifyAndRecord(this.db); // the chain metric follows every check, asked or hourly
  }
}
