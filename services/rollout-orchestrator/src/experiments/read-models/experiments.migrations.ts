import type { Migration } from '@keelson/postgres';

/**
 * The experiments read model: a row per experiment with its view, its status and group (what the
 * decision loop and the busy-group check query), and whether its verdict's effects are done; and
 * the evidence of the decision loop's latest look at each experiment, and every look it took (what
 * the console charts over time).
 */
export const experimentsMigrations: Migration[] = [
  {
    id: 'rollout-orchestrator-0101-experiments',
    sql: `CREATE TABLE IF NOT EXISTS experiment_summaries (
      fleet text NOT NULL,
      experiment_id text NOT NULL,
      group_id text NOT NULL,
      status text NOT NULL,
      settled boolean NOT NULL,
      view jsonb NOT NULL,
      created_seq bigint NOT NULL,
      last_seq bigint NOT NULL,
      PRIMARY KEY (fleet, experiment_id)
    );
    CREATE INDEX IF NOT EXISTS experiment_summaries_fleet_created ON experiment_summaries (fleet, created_seq DESC);
    CREATE INDEX IF NOT EXISTS experiment_summaries_unsettled ON experiment_summaries (status) WHERE NOT settled`,
  },
  {
    // Written by the decision loop, not the projection: a projection rebuild keeps the latest look.
    id: 'rollout-orchestrator-0102-experiment-looks',
    sql: `CREATE TABLE IF NOT EXISTS experiment_looks (
      fleet text NOT NULL,
      experiment_id text NOT NULL,
      judged_at timestamptz NOT NULL,
      look jsonb NOT NULL,
      PRIMARY KEY (fleet, experiment_id)
    )`,
  },
  {
    // Every look, not only the latest: one row per look, so a series of the arms' figures can be drawn.
    id: 'rollout-orchestrator-0103-experiment-look-history',
    sql: `CREATE TABLE IF NOT EXISTS experiment_look_history (
      fleet text NOT NULL,
      experiment_id text NOT NULL,
      judged_at timestamptz NOT NULL,
      look jsonb NOT NULL,
      PRIMARY KEY (fleet, experiment_id, judged_at)
    )`,
  },
  {
    // Written by creations, not the projection (commands/group-holds.ts): a rebuild keeps them.
    id: 'rollout-orchestrator-0104-experiment-group-holds',
    sql: `CREATE TABLE IF NOT EXISTS experiment_group_holds (
      fleet text NOT NULL,
      group_id text NOT NULL,
      experiment_id text NOT NULL,
      PRIMARY KEY (fleet, group_id, experiment_id)
    )`,
  },
];
