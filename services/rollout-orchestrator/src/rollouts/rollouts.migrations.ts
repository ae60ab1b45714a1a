import type { Migration } from '@keelson/postgres';

/**
 * The orchestrator's read models: one row per rollout (its folded state without device outcomes),
 * the outcome the rollout recorded per device, each device's latest report, and its latest report
 * about its revert after an abort with `revert`.
 */
export const rolloutsMigrations: Migration[] = [
  {
    id: 'rollout-orchestrator-0001-rollouts',
    sql: `CREATE TABLE IF NOT EXISTS rollouts (
      fleet text NOT NULL,
      rollout_id text NOT NULL,
      state jsonb NOT NULL,
      created_seq bigint NOT NULL,
      last_seq bigint NOT NULL,
      PRIMARY KEY (fleet, rollout_id)
    );
    CREATE INDEX IF NOT EXISTS rollouts_fleet_created ON rollouts (fleet, created_seq DESC)`,
  },
  {
    id: 'rollout-orchestrator-0002-rollout-device-progress',
    sql: `CREATE TABLE IF NOT EXISTS rollout_device_progress (
      fleet text NOT NULL,
      rollout_id text NOT NULL,
      device_id text NOT NULL,
      state text NOT NULL,
      reason text,
      reported_at timestamptz NOT NULL,
      last_seq bigint NOT NULL,
      PRIMARY KEY (fleet, rollout_id, device_id)
    )`,
  },
  {
    id: 'rollout-orchestrator-0003-rollout-device-outcomes',
    sql: `CREATE TABLE IF NOT EXISTS rollout_device_outcomes (
      fleet text NOT NULL,
      rollout_id text NOT NULL,
      device_id text NOT NULL,
      state text NOT NULL,
      reason text,
      seq bigint NOT NULL,
      PRIMARY KEY (fleet, rollout_id, device_id)
    )`,
  },
  {
    id: 'rollout-orchestrator-0004-rollout-device-reverts',
    sql: `CREATE TABLE IF NOT EXISTS rollout_device_reverts (
      fleet text NOT NULL,
      rollout_id text NOT NULL,
      device_id text NOT NULL,
      state text NOT NULL,
      reason text,
      reported_at timestamptz NOT NULL,
      last_seq bigint NOT NULL,
      PRIMARY KEY (fleet, rollout_id, device_id)
    )`,
  },
];
