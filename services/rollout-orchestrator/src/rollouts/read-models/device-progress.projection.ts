import { eventStreams, type Projection, type RecordedEvent } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import type { Sql } from '@keelson/postgres';
import { installAssignmentId, revertAssignmentId } from '../domain/wave-plan.js';

type ProgressTable = 'rollout_device_progress' | 'rollout_device_reverts';

interface ProgressRow {
  fleet: string;
  rollout_id: string;
  device_id: string;
  state: string;
  reason: string | null;
  reported_at: string;
  last_seq: number;
}

/** The table a report belongs in: its install assignment's or its revert assignment's; none for other ids. */
function tableOf(data: { rolloutId: string; deviceId: string; assignmentId: string }): ProgressTable | undefined {
  if (data.assignmentId === installAssignmentId(data.rolloutId, data.deviceId)) return 'rollout_device_progress';
  if (data.assignmentId === revertAssignmentId(data.rolloutId, data.deviceId)) return 'rollout_device_reverts';
  return undefined;
}

/**
 * The latest report of the batch per table and row. A row takes its report whole, guarded by
 * last_seq, so the report with the highest sequence is what applying them one by one leaves.
 */
function latestReports(events: RecordedEvent<DeviceEvent>[]): Map<ProgressTable, Map<string, ProgressRow>> {
  const tables = new Map<ProgressTable, Map<string, ProgressRow>>();
  for (const { event, seq } of events) {
    if (event.type !== 'DeviceReportedProgress') continue;
    const table = tableOf(event.data);
    if (!table) continue;
    const { fleet, rolloutId, deviceId, state, reason, reportedAt } = event.data;
    let rows = tables.get(table);
    if (!rows) tables.set(table, (rows = new Map()));
    const key = JSON.stringify([fleet, rolloutId, deviceId]);
    if ((rows.get(key)?.last_seq ?? 0) >= seq) continue;
    rows.set(key, {
      fleet,
      rollout_id: rolloutId,
      device_id: deviceId,
      state,
      reason: reason ?? null,
      reported_at: reportedAt,
      last_seq: seq,
    });
  }
  return tables;
}

async function upsertReports(sql: Sql, table: ProgressTable, rows: ProgressRow[]): Promise<void> {
  await sql.query(
    `INSERT INTO ${table} (fleet, rollout_id, device_id, state, reason, reported_at, last_seq)
     SELECT fleet, rollout_id, device_id, state, reason, reported_at, last_seq
     FROM jsonb_to_recordset($1::jsonb)
       AS r(fleet text, rollout_id text, device_id text, state text, reason text, reported_at timestamptz, last_seq bigint)
     ON CONFLICT (fleet, rollout_id, device_id) DO UPDATE SET state = EXCLUDED.state, reason = EXCLUDED.reason,
       reported_at = EXCLUDED.reported_at, last_seq = EXCLUDED.last_seq
     WHERE ${table}.last_seq < EXCLUDED.last_seq`,
    [JSON.stringify(rows)],
  );
}

async function applyReports(sql: Sql, events: RecordedEvent<DeviceEvent>[]): Promise<void> {
  for (const [table, rows] of latestReports(events)) await upsertReports(sql, table, [...rows.values()]);
}

/**
 * The `rollout_device_progress` read model over the gateway's device events: the latest state each
 * device reported about its install assignment of a rollout, non-terminal states included. Reports
 * about its revert assignment (abort with `revert`) go to `rollout_device_reverts`, so a revert is
 * reported like an update; reports about other ids are skipped. A batch costs one upsert per table
 * it touches, however many reports it holds.
 */
export const deviceProgressProjection: Projection<DeviceEvent> = {
  name: 'orchestrator-device-progress',
  stream: eventStreams.gateway,
  filterSubjects: ['ev.device.>'],
  handles: ['DeviceReportedProgress'],
  parse: parseDeviceEvent,
  applyBatch: applyReports,
  apply: (sql, event) => applyReports(sql, [event]),
};
