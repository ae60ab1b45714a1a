import type { ChainedEntry } from './audit-log.writer.js';

/** The columns of an entry, with the time rendered exactly as it was hashed. */
export const entryColumns = `position, stream, seq, fleet, subject, family, event_type, schema_version, recognised, actor, correlation_id,
  to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time, rollout_ids, device_ids, artifacts, data, prev_hash, hash`;

export interface EntryRow {
  position: string | number;
  stream: string;
  seq: string | number;
  fleet: string;
  subject: string;
  family: string;
  event_type: string;
  schema_version: number;
  recognised: boolean;
  actor: string;
  correlation_id: string;
  time: string;
  rollout_ids: string[];
  device_ids: string[];
  artifacts: string[];
  data: string;
  prev_hash: string;
  hash: string;
}

/** Reads a stored row back into the entry it was hashed as (bigints arrive as text). */
export function entryOfRow(r: EntryRow): ChainedEntry {
  return {
    position: Number(r.position),
    stream: r.stream,
    seq: Number(r.seq),
    fleet: r.fleet,
    subject: r.subject,
    family: r.family,
    type: r.event_type,
    schemaVersion: r.schema_version,
    recognised: r.recognised,
    actor: r.actor,
    correlationId: r.correlation_id,
    time: r.time,
    rolloutIds: r.rollout_ids,
    deviceIds: r.device_ids,
    artifacts: r.artifacts,
    data: JSON.parse(r.data) as Record<string, unknown>,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
