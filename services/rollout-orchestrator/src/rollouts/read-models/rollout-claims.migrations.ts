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
  {
    // A device's outcome releases its claim by (fleet, rollout_id, device_id): with the rollout's
    // index alone that delete read every claim of the rollout, O(devices) per outcome.
    id: 'rollout-orchestrator-0102-rollout-claims-by-device',
    sql: `CREATE INDEX IF NOT EXISTS rollout_claims_rollout_device ON rollout_claims (fleet, rollout_id, device_id);
    DROP INDEX IF EXISTS rollout_claims_rollout`,
  },
  {
    // A creation's devices come in chunks that name only the rollout: its artifact name is kept here.
    id: 'rollout-orchestrator-0103-rollout-claim-artifacts',
    sql: `CREATE TABLE IF NOT EXISTS rollout_claim_artifacts (
      fleet text NOT NULL,
      rollout_id text NOT NULL,
      artifact_name text NOT NULL,
      PRIMARY KEY (fleet, rollout_id)
    )`,
  },
  {
    // The device-outcomes reactor finds the rollouts holding a device by (fleet, device): the
    // primary key leads with the artifact name, so that lookup needs its own index.
    id: 'rollout-orchestrator-0104-rollout-claims-by-device-id',
    sql: 'CREATE INDEX IF NOT EXISTS rollout_claims_device ON rollout_claims (fleet, device_id)',
  },
  {
    // A creation that wrote its rollout's claims itself says so here, in the same transaction: the
    // projection then leaves that rollout's chunks alone instead of writing every claim a second
    // time (and locking the rows in an order of its own, against the creation's).
    id: 'rollout-orchestrator-0105-rollout-claims-written-at-creation',
    sql: 'ALTER TABLE rollout_claim_artifacts ADD COLUMN IF NOT EXISTS claimed_at_creation boolean NOT NULL DEFAULT false',
  },
  {
    // Two indexes written per claim instead of three: the primary key leads with the device, so it
    // also finds the rollouts holding a device (the device-outcomes reactor) and a creation's
    // conflicts (device and artifact name), and the separate by-device index goes. A creation of
    // 100,000 devices writes 100,000 claims in its transaction: each index is PostgreSQL CPU while
    // the caller waits. (ON CONFLICT names the columns, not their order.)
    id: 'rollout-orchestrator-0106-rollout-claims-key-by-device',
    sql: `ALTER TABLE rollout_claims DROP CONSTRAINT rollout_claims_pkey, ADD PRIMARY KEY (fleet, device_id, artifact_name);
    DROP INDEX IF EXISTS rollout_claims_device`,
  },
];
