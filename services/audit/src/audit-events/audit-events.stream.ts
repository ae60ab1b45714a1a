import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { applyStream, type DeclaredStreamConfig, type EventStoreNaming } from '@keelson/event-store';
import { numberSetting, type ServiceConfig } from '@keelson/service-kit';

/**
 * The audit log's entries as CloudEvents, `audit.ce.<fleet>`, for other services and systems to
 * consume at least once with a durable consumer of their own. A copy for delivery, not the record:
 * the chained table is the record, so this stream has limits and lets old entries go.
 */
export const auditEventsStream = {
  name: 'AUDIT_EVENTS',
  subjects: ['audit.ce.>'],
  description: 'audit: every audit entry as a CloudEvent, for consumers (a delivery copy with limits; the audit log is the record)',
} as const;

/** How much of the delivery copy the server keeps. */
export interface AuditEventsLimits {
  replicas: number;
  maxAgeSeconds: number;
  maxBytes: number;
}

/** `KEELSON_AUDIT_EVENTS_MAX_AGE_DAYS` (default 30) and `KEELSON_AUDIT_EVENTS_MAX_MB` (default 10240). */
export function auditEventsLimits(config: ServiceConfig, replicas: number): AuditEventsLimits {
  const days = numberSetting(config, 'KEELSON_AUDIT_EVENTS_MAX_AGE_DAYS', { default: 30, min: 1, max: 3650 });
  const mb = numberSetting(config, 'KEELSON_AUDIT_EVENTS_MAX_MB', { default: 10_240, min: 16, max: 16 * 1024 * 1024 });
  return { replicas, maxAgeSeconds: days * 86_400, maxBytes: mb * 1024 * 1024 };
}

/** The subject of one fleet's entries. */
export const auditEventSubject = (naming: EventStoreNaming, fleet: string): string => `${naming.subjectPrefix}audit.ce.${fleet}`;

export function auditEventsConfig(naming: EventStoreNaming, limits: AuditEventsLimits): DeclaredStreamConfig {
  return {
    name: `${naming.streamPrefix}${auditEventsStream.name}`,
    subjects: auditEventsStream.subjects.map((s) => `${naming.subjectPrefix}${s}`),
    description: auditEventsStream.description,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: limits.maxAgeSeconds * 1e9,
    max_bytes: limits.maxBytes,
    max_msgs: -1,
    // A relay that publishes a batch again after a crash is de-duplicated by the entry's id (Nats-Msg-Id).
    duplicate_window: 10 * 60 * 1e9,
    num_replicas: limits.replicas,
    allow_direct: true,
  };
}

/** Creates the stream or brings it to the configured limits; safe at every start. */
export async function applyAuditEvents(jsm: JetStreamManager, naming: EventStoreNaming, limits: AuditEventsLimits): Promise<void> {
  await applyStream(jsm, auditEventsConfig(naming, limits));
}
