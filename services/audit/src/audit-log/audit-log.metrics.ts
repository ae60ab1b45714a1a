import { Counter, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

/** Entries committed to the audit log, by stream and whether this audit version knows the event's type. */
export const auditEntries = (): Counter<string> =>
  counter('keelson_audit_entries_total', 'Entries committed to the audit log, by stream and recognised', ['stream', 'recognised']);

/** Failures of an audit projection (retried, or dead-lettered when the event is unreadable), by stream. */
export const auditProjectionErrors = (): Counter<string> =>
  counter('keelson_audit_projection_errors_total', 'Failures while projecting events into the audit log, by stream', ['stream']);
