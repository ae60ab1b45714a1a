import { ConcurrencyError } from '@keelson/domain-kit';
import type { audit } from '@keelson/requests';
import type { EventStore } from '@keelson/event-store';
import type { OperatorEvent } from '@keelson/events';

type SinkChange = audit.SinkChange;

/** Tells the audit service a change's event is appended, so it stops keeping the change. */
export type ConfirmSinkChange = (commandId: string) => Promise<void>;

function eventOf({ kind, sink }: SinkChange): OperatorEvent {
  const id = { fleet: sink.fleet, sinkId: sink.sinkId, name: sink.name };
  switch (kind) {
    case 'added':
      return { type: 'AuditSinkAdded', schemaVersion: 1, data: { ...id, url: sink.url, from: sink.position + 1 } };
    case 'resumed':
      return { type: 'AuditSinkResumed', schemaVersion: 1, data: { ...id, at: sink.position + 1 } };
    case 'removed':
      return { type: 'AuditSinkRemoved', schemaVersion: 1, data: id };
  }
}

const attempts = 3;

/**
 * Records who added, resumed or removed an audit webhook sink, on `ev.operator.<fleet>.<sinkId>` in
 * EV_OPERATORS, so the audit log holds the change like any other operator action. The events name
 * the sink and its address, never its signing secret. The audit service keeps each change with the
 * command that made it, in the change's transaction, until it is confirmed here: recording is safe to
 * repeat (an event of the same command on the subject is not appended again), so the request that
 * made the change and the relay (sink-change-relay.ts) may both try.
 */
export class AuditSinkRecords {
  constructor(
    private readonly store: EventStore<OperatorEvent>,
    private readonly confirm: ConfirmSinkChange,
  ) {}

  async record(change: SinkChange): Promise<void> {
    const subject = this.store.subject('operator', change.sink.fleet, change.sink.sinkId);
    const meta = { actor: change.actor, commandId: change.commandId, correlationId: change.correlationId };
    for (let attempt = 1; ; attempt++) {
      const { events, lastSeq } = await this.store.load(subject);
      if (events.some((e) => e.meta.commandId === change.commandId)) break; // appended before the confirmation was lost
      try {
        await this.store.append(subject, lastSeq, [eventOf(change)], meta);
        break;
      } catch (err) {
        if (!(err instanceof ConcurrencyError) || attempt === attempts) throw err;
      }
    }
    await this.confirm(change.commandId);
  }
}
