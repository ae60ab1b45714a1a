import type { EventStoreNaming, Projection, StreamDeclaration } from '@keelson/event-store';
import { draftEntry } from './audit-entry.draft.js';
import { parseAuditedEvent, type AuditedEvent } from './audited-event.js';
import { artifactsOnSubject, fillArtifactNames } from './artifacts-on-subject.js';
import { appendEntries, appendEntry, type ChainedEntry } from './audit-log.writer.js';

/**
 * Events per batch (and the consumer's max_ack_pending) of each audit projection. Every batch is one
 * transaction holding the chain's head, and the next batch is delivered only once it is acknowledged,
 * so the batch size bounds how fast a burst drains (with the runners' default of 100 the audit's lag
 * p99 was 2.24 s at 10,000 devices; bench/README.md, "Old generations grown to 4x their live set").
 * 500 events are ~100 KiB of copied messages in flight, and one INSERT (`rowsPerInsert`).
 */
export const auditBatchSize = 500;

/**
 * The audit log's projection of one stream (one per stream, so one slow stream holds up no other).
 * `onAppended` hears of each entry the transaction added, before it commits. The runner hands it
 * whole batches (`applyBatch`: a constant number of statements per batch); `apply` appends one
 * event the same way, entry by entry.
 */
export function auditLogProjection(
  key: string,
  stream: StreamDeclaration,
  naming: EventStoreNaming,
  onAppended: (entry: ChainedEntry) => void,
): Projection<AuditedEvent> {
  const streamName = `${naming.streamPrefix}${stream.name}`;
  return {
    name: `audit-log-${key}`,
    stream,
    parse: parseAuditedEvent,
    async apply(sql, recorded) {
      const draft = draftEntry(streamName, naming.subjectPrefix, recorded);
      if (draft.family === 'artifact' && draft.artifacts.length === 0) draft.artifacts = await artifactsOnSubject(sql, draft.subject);
      const appended = await appendEntry(sql, draft);
      if (appended) onAppended(appended);
    },
    async applyBatch(sql, events) {
      const drafts = events.map((recorded) => draftEntry(streamName, naming.subjectPrefix, recorded));
      await fillArtifactNames(sql, drafts);
      for (const appended of await appendEntries(sql, drafts)) onAppended(appended);
    },
  };
}
