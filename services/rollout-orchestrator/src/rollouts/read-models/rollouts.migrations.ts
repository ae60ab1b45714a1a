import { eventStreams, type RetiredProjection } from '@keelson/event-store';
import type { Migration } from '@keelson/postgres';

/**
 * The orchestrator's read models: the rollouts as operators read them (0008: a row per rollout, per
 * wave and per device of a rollout, in plain columns), each device's latest report, and its latest
 * report about its revert after an abort with `revert`. `rollouts` (0001) held a whole rollout per
 * row, rewritten on every event: the summaries and targets (0005, 0006) replaced it and 0007 drops
 * it. Those held the aggregate's private facts as jsonb: the view rows replaced them (rebuilt from
 * the stream under a new projection) and 0009 drops them with the outcomes (0003) they were counted from.
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
  {
    id: 'rollout-orchestrator-0005-rollout-summaries',
    sql: `CREATE TABLE IF NOT EXISTS rollout_summaries (
      fleet text NOT NULL,
      rollout_id text NOT NULL,
      summary jsonb NOT NULL,
      status text NOT NULL,
      created_seq bigint NOT NULL,
      last_seq bigint NOT NULL,
      PRIMARY KEY (fleet, rollout_id)
    );
    CREATE INDEX IF NOT EXISTS rollout_summaries_fleet_created ON rollout_summaries (fleet, created_seq DESC)`,
  },
  {
    // "the active rollouts of a device" is an index lookup on (fleet, device_id), not a scan
    id: 'rollout-orchestrator-0006-rollout-targets',
    sql: `CREATE TABLE IF NOT EXISTS rollout_targets (
      fleet text NOT NULL,
      rollout_id text NOT NULL,
      device_id text NOT NULL,
      position integer NOT NULL,
      record jsonb NOT NULL DEFAULT '{}',
      PRIMARY KEY (fleet, rollout_id, device_id)
    );
    CREATE INDEX IF NOT EXISTS rollout_targets_device ON rollout_targets (fleet, device_id)`,
  },
  {
    // the whole-rollout rows of 0001, neither written nor read since the summaries replaced them
    id: 'rollout-orchestrator-0007-drop-rollouts',
    sql: 'DROP TABLE IF EXISTS rollouts',
  },
  {
    // the rollouts as operators read them, in plain columns (rollout-views.projection.ts rebuilds them from the stream)
    id: 'rollout-orchestrator-0008-rollout-views',
    sql: `CREATE TABLE IF NOT EXISTS rollout_views (
      fleet text NOT NULL,
      rollout_id text NOT NULL,
      artifact jsonb NOT NULL,
      targeting jsonb NOT NULL,
      probe jsonb NOT NULL,
      strategy jsonb NOT NULL,
      status text NOT NULL,
      current_wave integer NOT NULL,
      started_waves integer NOT NULL,
      halt_reason text,
      halt_automatic boolean,
      halted_at text,
      abort_mode text,
      created_at text NOT NULL,
      finished_at text,
      device_count integer NOT NULL,
      created_seq bigint NOT NULL,
      last_seq bigint NOT NULL,
      PRIMARY KEY (fleet, rollout_id)
    );
    CREATE INDEX IF NOT EXISTS rollout_views_fleet_created ON rollout_views (fleet, created_seq DESC);
    CREATE INDEX IF NOT EXISTS rollout_views_fleet_status ON rollout_views (fleet, status, created_seq DESC);
    CREATE TABLE IF NOT EXISTS rollout_view_waves (
      fleet text NOT NULL,
      rollout_id text NOT NULL,
      wave integer NOT NULL,
      percent integer NOT NULL,
      gate text NOT NULL,
      devices integer NOT NULL,
      assigned integer NOT NULL,
      in_flight integer NOT NULL,
      healthy integer NOT NULL,
      failed integer NOT NULL,
      timed_out integer NOT NULL,
      unreachable integer NOT NULL,
      excluded integer NOT NULL,
      PRIMARY KEY (fleet, rollout_id, wave)
    );
    CREATE TABLE IF NOT EXISTS rollout_view_devices (
      fleet text NOT NULL,
      rollout_id text NOT NULL,
      device_id text NOT NULL,
      position integer NOT NULL,
      wave integer NOT NULL,
      assigned_at text,
      outcome text,
      outcome_reason text,
      reachable boolean,
      excluded boolean NOT NULL DEFAULT false,
      timed_out boolean NOT NULL DEFAULT false,
      late_report boolean NOT NULL DEFAULT false,
      revert_timed_out boolean NOT NULL DEFAULT false,
      PRIMARY KEY (fleet, rollout_id, device_id)
    );
    CREATE INDEX IF NOT EXISTS rollout_view_devices_order ON rollout_view_devices (fleet, rollout_id, position);
    CREATE INDEX IF NOT EXISTS rollout_view_devices_device ON rollout_view_devices (fleet, device_id)`,
  },
  {
    // the aggregate's facts as jsonb (0005, 0006) and the outcomes they were counted from (0003): the view rows of 0008 replaced them
    id: 'rollout-orchestrator-0009-drop-rollout-summaries',
    sql: 'DROP TABLE IF EXISTS rollout_summaries, rollout_targets, rollout_device_outcomes',
  },
];

/** Projections earlier releases ran: what they left in NATS and the checkpoints goes at start-up. */
export const retiredRolloutProjections: RetiredProjection[] = [
  { name: 'orchestrator-rollouts', stream: eventStreams.orchestrator },
  { name: 'orchestrator-rollout-summaries', stream: eventStreams.orchestrator },
];
