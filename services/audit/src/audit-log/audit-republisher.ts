import type { NatsConnection } from '@nats-io/transport-node';
import type { EventStoreNaming } from '@keelson/event-store';
import { cloudEventOf } from './audit-cloud-event.js';
import type { ChainedEntry } from './audit-log.writer.js';

/**
 * Republishes committed entries as CloudEvents on core NATS, `audit.ce.<fleet>` behind the subject
 * prefix, for other systems (SIEMs, the api's live view). At most once, like any core NATS publish:
 * a receiver that must miss nothing pages `cmd.audit.query` from the last `keelsonseq`/cursor it saw.
 */
export class AuditRepublisher {
  constructor(
    private readonly nc: NatsConnection,
    private readonly naming: EventStoreNaming,
  ) {}

  publish(entries: ChainedEntry[]): void {
    for (const entry of entries) {
      if (this.nc.isClosed()) return;
      this.nc.publish(`${this.naming.subjectPrefix}audit.ce.${entry.fleet}`, JSON.stringify(cloudEventOf(entry)));
    }
  }
}
