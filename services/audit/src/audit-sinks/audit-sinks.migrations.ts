import type { Migration } from '@keelson/postgres';

// One row per webhook sink. `position` is the last chain position delivered (or skipped as not of
// the sink's fleet); the row is the delivery's lease too: a replica delivers a sink only while it
// holds the row FOR UPDATE SKIP LOCKED, so two replicas never deliver the same sink at once.
export const auditSinksMigrations: Migration[] = [
  {
    id: 'audit-0005-sinks',
    sql: `CREATE TABLE IF NOT EXISTS audit_sinks (
      sink_id text PRIMARY KEY,
      fleet text NOT NULL,
      name text NOT NULL,
      url text NOT NULL,
      sealed_secret text NOT NULL,
      position bigint NOT NULL,
      failures int NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      dead_letters int NOT NULL DEFAULT 0,
      paused boolean NOT NULL DEFAULT false,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (fleet, name)
    )`,
  },
];
