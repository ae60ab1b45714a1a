import type { ServerResponse } from 'node:http';
import { once } from 'node:events';
import { audit, type RequestInput } from '@keelson/requests';
import type { AuditCloudEvent } from '@keelson/events';
import type { OperatorRequests } from '../http/operator-requests.js';
import { exportContentType, exportLines, exportPreamble, type AuditExportOptions } from './audit-export.format.js';

/** Entries per request to the audit service: one reply stays far below a NATS message, and memory stays flat. */
export const exportPageSize = 500;

type ExportFilter = Omit<RequestInput<typeof audit.queryAudit>, 'order' | 'limit' | 'cursor' | 'types'>;

/**
 * The entries of an export window, oldest first, one keyset page at a time: each request goes on
 * from the cursor of the page before, so nothing is skipped or repeated however many entries the
 * window holds, and no more than one page is in memory.
 */
export async function* auditExportPages(
  requests: OperatorRequests,
  filter: ExportFilter,
  pageSize = exportPageSize,
): AsyncGenerator<AuditCloudEvent[]> {
  let cursor: string | undefined;
  do {
    const page = await requests.call(audit.queryAudit, { ...filter, order: 'oldest', limit: pageSize, ...(cursor ? { cursor } : {}) });
    yield page.items;
    cursor = page.nextCursor;
  } while (cursor);
}

/** Pages of audit entries, oldest first; the export asks for the next only once the last is written. */
export type AuditPages = AsyncIterator<AuditCloudEvent[], unknown>;

/** Writes `text` and waits while the socket's buffer is full, so a slow reader holds the export back instead of memory growing. */
async function write(res: ServerResponse, text: string): Promise<void> {
  if (text === '' || res.write(text)) return;
  // Both listeners go once either event came: a long export waits many times on one response.
  const done = new AbortController();
  const settled = (event: string) => once(res, event, { signal: done.signal }).catch(() => undefined);
  await Promise.race([settled('drain'), settled('close')]);
  done.abort();
}

/**
 * Streams an export: the first page is read before the status line, so a refusal (bad input, audit
 * unavailable) is still an ordinary error answer; after it, each page is written as it comes. A
 * failure after the status line can no longer be a status: the response is cut off (the chunked
 * body never ends properly), so a client never takes part of an export for all of it.
 */
export async function writeAuditExport(
  res: ServerResponse,
  pages: AuditPages,
  options: AuditExportOptions & { filename: string; onCutOff: (err: unknown) => void },
): Promise<void> {
  const { format, filename } = options;
  let page = await pages.next();
  res.writeHead(200, {
    'Content-Type': exportContentType(format),
    'Content-Disposition': `attachment; filename="${filename}"`,
    'Cache-Control': 'no-store',
  });
  try {
    await write(res, exportPreamble(format));
    while (!page.done && !res.destroyed) {
      await write(res, exportLines(options, page.value));
      if (res.destroyed) break; // the client went away: stop asking the audit for more
      page = await pages.next();
    }
    res.end();
  } catch (err) {
    res.destroy();
    options.onCutOff(err);
  }
}
