import type { Migration } from '@keelson/postgres';

/** The claims index: which active rollout holds each device, per artifact name (one at most: the primary key). */
export const rolloutClaimsMigrations: Migration[] = [
  {
    id: 'rollout-orchestrator-0101-rollout-claims',
    sql: `CREATE TABLE IF NOT EXISTS rollout_claims (
      fleet text NOT NULL,
      artifact_name text NOT NULL,
      device_id text NOT NULL,
      rollout_id text NOT NULL,
      seq bigint NOT NULL,
      PRIMARY KEY (fleet, artifact_name, device_id)
    );
    CREATE INDEX IF NOT EXISTS rollout_claims_rollout ON rollout_claims (fleet, rollout_id)`,
  },
];
