import type { Migration } from '@keelson/postgres';
import { genesisHash } from '../audit-chain/audit-entry.js';

// `data` is the canonical JSON text that was hashed, not jsonb: jsonb would reorder keys and
// refuse some strings, and verification must see exactly the bytes the chain covered.
export const auditLogMigrations: Migration[] = [
  {
    id: 'audit-0001-log',
    sql: `CREATE TABLE IF NOT EXISTS audit_log (
      stream text NOT NULL,
      seq bigint NOT NULL,
      position bigint NOT NULL UNIQUE,
      fleet text NOT NULL,
      subject text NOT NULL,
      family text NOT NULL,
      event_type text NOT NULL,
      schema_version int NOT NULL,
      recognised boolean NOT NULL,
      actor text NOT NULL,
      correlation_id text NOT NULL,
      time timestamptz NOT NULL,
      rollout_ids text[] NOT NULL,
      device_ids text[] NOT NULL,
      artifacts text[] NOT NULL,
      data text NOT NULL,
      prev_hash text NOT NULL,
      hash text NOT NULL,
      PRIMARY KEY (stream, seq)
    );
    CREATE INDEX IF NOT EXISTS audit_log_fleet_time ON audit_log (fleet, time, position);
    CREATE INDEX IF NOT EXISTS audit_log_rollouts ON audit_log USING gin (rollout_ids);
    CREATE INDEX IF NOT EXISTS audit_log_devices ON audit_log USING gin (device_ids);
    CREATE INDEX IF NOT EXISTS audit_log_artifacts ON audit_log USING gin (artifacts);
    CREATE INDEX IF NOT EXISTS audit_log_subject ON audit_log (subject)`,
  },
  {
    // One row: the chain's last position and hash. Every append locks it, so the projections of
    // all streams append one at a time and the chain is one total order.
    id: 'audit-0002-chain-head',
    sql: `CREATE TABLE IF NOT EXISTS audit_chain_head (
      only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
      position bigint NOT NULL,
      hash text NOT NULL
    );
    INSERT INTO audit_chain_head (only_row, position, hash) VALUES (true, 0, '${genesisHash}') ON CONFLICT DO NOTHING`,
  },
  {
    // Append-only: the database itself refuses UPDATE, DELETE and TRUNCATE, whoever asks. Someone
    // who can disable triggers can still edit rows; the hash chain is what exposes that.
    id: 'audit-0003-append-only',
    sql: `CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$;
    DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log;
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
    DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`,
  },
  {
    // How far the relay has published the log to the AUDIT_EVENTS stream. From 0: an installation
    // that upgrades publishes its history once, so a consumer can start from the beginning.
    id: 'audit-0004-relay-position',
    sql: `CREATE TABLE IF NOT EXISTS audit_relay_position (
      only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
      position bigint NOT NULL
    );
    INSERT INTO audit_relay_position (only_row, position) VALUES (true, 0) ON CONFLICT DO NOTHING`,
  },
  {
    // A webhook sink reads the next entry of its fleet after its position: without this index a sink
    // of a quiet fleet would walk every later entry of the other fleets on each round.
    id: 'audit-0006-fleet-position',
    sql: 'CREATE INDEX IF NOT EXISTS audit_log_fleet_position ON audit_log (fleet, position)',
  },
];
