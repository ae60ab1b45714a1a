import { Counter, Gauge, Histogram, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

/** Entries committed to the audit log, by stream and whether this audit version knows the event's type. */
export const auditEntries = (): Counter<string> =>
  counter('keelson_audit_entries_total', 'Entries committed to the audit log, by stream and recognised', ['stream', 'recognised']);

/** Failures of an audit projection (retried, or dead-lettered when the event is unreadable), by stream. */
export const auditProjectionErrors = (): Counter<string> =>
  counter('keelson_audit_projection_errors_total', 'Failures while projecting events into the audit log, by stream', ['stream']);

// From a batch that keeps up (tens of milliseconds) to a backlog a fleet rollout can build (tens of seconds).
const lagBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Seconds from an event's stored time (JetStream's) to the commit of its audit entry, by stream. */
export const auditLag = (): Histogram<string> =>
  (register.getSingleMetric('keelson_audit_lag_seconds') as Histogram<string> | undefined) ??
  new Histogram({
    name: 'keelson_audit_lag_seconds',
    help: 'Seconds from an event being stored to its audit entry being committed, by stream',
    labelNames: ['stream'],
    buckets: lagBuckets,
  });

/** 1 when the last verification found the hash chain intact, 0 when it found it broken. */
export const auditChainIntact = (): Gauge<string> =>
  (register.getSingleMetric('keelson_audit_chain_intact') as Gauge<string> | undefined) ??
  new Gauge({
    name: 'keelson_audit_chain_intact',
    help: 'Whether the last verification of the audit hash chain found it intact (1) or broken (0)',
  });

/** Entries committed to the audit log that the relay has not yet had acknowledged by the AUDIT_EVENTS stream. */
export const auditEventsUnrelayed = (): Gauge<string> =>
  (register.getSingleMetric('keelson_audit_events_unrelayed') as Gauge<string> | undefined) ??
  new Gauge({ name: 'keelson_audit_events_unrelayed', help: 'Audit entries committed but not yet published to the AUDIT_EVENTS stream' });
