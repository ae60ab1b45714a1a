import type { audit, CommandOutput } from '@keelson/commands';
import type { EventMetadata, EventStore } from '@keelson/event-store';
import type { OperatorEvent } from '@keelson/events';

type AuditSink = CommandOutput<typeof audit.showSink>;

/**
 * Records who added, resumed or removed an audit webhook sink, on `ev.operator.<fleet>.<sinkId>` in
 * EV_OPERATORS, so the audit log holds the change like any other operator action. The events name
 * the sink and its address, never its signing secret. Appended once the audit service has made the
 * change: a refused change records nothing.
 */
export class AuditSinkRecords {
  constructor(private readonly store: EventStore<OperatorEvent>) {}

  async added(sink: AuditSink, meta: EventMetadata): Promise<void> {
    await this.append(sink, { type: 'AuditSinkAdded', schemaVersion: 1, data: { ...this.idOf(sink), url: sink.url, from: sink.position + 1 } }, meta);
  }

  async resumed(sink: AuditSink, meta: EventMetadata): Promise<void> {
    await this.append(sink, { type: 'AuditSinkResumed', schemaVersion: 1, data: { ...this.idOf(sink), at: sink.position + 1 } }, meta);
  }

  async removed(sink: AuditSink, meta: EventMetadata): Promise<void> {
    await this.append(sink, { type: 'AuditSinkRemoved', schemaVersion: 1, data: this.idOf(sink) }, meta);
  }

  private idOf(sink: AuditSink) {
    return { fleet: sink.fleet, sinkId: sink.sinkId, name: sink.name };
  }

  private async append(sink: AuditSink, event: OperatorEvent, meta: EventMetadata): Promise<void> {
    const subject = this.store.subject('operator', sink.fleet, sink.sinkId);
    const { lastSeq } = await this.store.load(subject);
    await this.store.append(subject, lastSeq, [event], meta);
  }
}
