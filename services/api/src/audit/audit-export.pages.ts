import { audit, type CommandInput } from '@keelson/commands';
import type { AuditCloudEvent } from '@keelson/events';
import type { OperatorCommands } from '../http/operator-commands.js';

/** Entries per request to the audit service: one reply stays far below a NATS message, and memory stays flat. */
export const exportPageSize = 500;

type ExportFilter = Omit<CommandInput<typeof audit.queryAudit>, 'order' | 'limit' | 'cursor' | 'types'>;

/**
 * The entries of an export window, oldest first, one keyset page at a time: each request goes on
 * from the cursor of the page before, so nothing is skipped or repeated however many entries the
 * window holds, and no more than one page is in memory.
 */
export async function* auditExportPages(commands: OperatorCommands, filter: ExportFilter, pageSize = exportPageSize): AsyncGenerator<AuditCloudEvent[]> {
  let cursor: string | undefined;
  do {
    const page = await commands.call(audit.queryAudit, { ...filter, order: 'oldest', limit: pageSize, ...(cursor ? { cursor } : {}) });
    yield page.items;
    cursor = page.nextCursor;
  } while (cursor);
}
