import type { Sql } from '@keelson/postgres';
import type { ViewState } from './rollout-view.evolve.js';

/** Writes the rows the views changed: each rollout's, its waves' and its touched devices', in three statements. */
export async function saveViews(sql: Sql, views: ViewState[]): Promise<void> {
  if (views.length === 0) return;
  const rows = views.map(({ row, createdSeq, lastSeq }) => ({
    fleet: row.fleet,
    rollout_id: row.rolloutId,
    artifact: row.artifact,
    targeting: row.targeting,
    probe: row.probe,
    strategy: row.strategy,
    status: row.status,
    current_wave: row.currentWave,
    started_waves: row.startedWaves,
    halt_reason: row.haltReason ?? null,
    halt_automatic: row.haltAutomatic ?? null,
    halted_at: row.haltedAt ?? null,
    abort_mode: row.abortMode ?? null,
    created_at: row.createdAt,
    finished_at: row.finishedAt ?? null,
    device_count: row.deviceCount,
    created_seq: createdSeq,
    last_seq: lastSeq,
  }));
  await sql.query(
    `INSERT INTO rollout_views SELECT * FROM jsonb_populate_recordset(NULL::rollout_views, $1::jsonb)
     ON CONFLICT (fleet, rollout_id) DO UPDATE SET status = EXCLUDED.status, current_wave = EXCLUDED.current_wave,
       started_waves = EXCLUDED.started_waves, halt_reason = EXCLUDED.halt_reason, halt_automatic = EXCLUDED.halt_automatic,
       halted_at = EXCLUDED.halted_at, abort_mode = EXCLUDED.abort_mode, finished_at = EXCLUDED.finished_at, last_seq = EXCLUDED.last_seq`,
    [JSON.stringify(rows)],
  );
  const waves = views.flatMap(({ row, waves }) =>
    waves.map((w) => ({
      fleet: row.fleet,
      rollout_id: row.rolloutId,
      wave: w.wave,
      percent: w.percent,
      gate: w.gate,
      devices: w.devices,
      assigned: w.assigned,
      in_flight: w.inFlight,
      healthy: w.healthy,
      failed: w.failed,
      timed_out: w.timedOut,
      unreachable: w.unreachable,
      excluded: w.excluded,
    })),
  );
  await sql.query(
    `INSERT INTO rollout_view_waves SELECT * FROM jsonb_populate_recordset(NULL::rollout_view_waves, $1::jsonb)
     ON CONFLICT (fleet, rollout_id, wave) DO UPDATE SET assigned = EXCLUDED.assigned, in_flight = EXCLUDED.in_flight,
       healthy = EXCLUDED.healthy, failed = EXCLUDED.failed, timed_out = EXCLUDED.timed_out,
       unreachable = EXCLUDED.unreachable, excluded = EXCLUDED.excluded`,
    [JSON.stringify(waves)],
  );
  await saveDevices(sql, views);
}

/** The touched devices of every view in one statement, as column arrays (a creation writes 100,000 of them). */
async function saveDevices(sql: Sql, views: ViewState[]): Promise<void> {
  const cols = {
    fleet: [],
    rollout: [],
    device: [],
    position: [],
    wave: [],
    assignedAt: [],
    outcome: [],
    reason: [],
    reachable: [],
    excluded: [],
    timedOut: [],
    late: [],
    revertTimedOut: [],
  } as Record<string, unknown[]>;
  for (const { row, devices, touched } of views) {
    for (const deviceId of touched) {
      const d = devices.get(deviceId)!;
      cols.fleet!.push(row.fleet);
      cols.rollout!.push(row.rolloutId);
      cols.device!.push(deviceId);
      cols.position!.push(d.position);
      cols.wave!.push(d.wave);
      cols.assignedAt!.push(d.assignedAt ?? null);
      cols.outcome!.push(d.outcome?.state ?? null);
      cols.reason!.push(d.outcome?.reason ?? null);
      cols.reachable!.push(d.reachable ?? null);
      cols.excluded!.push(d.excluded === true);
      cols.timedOut!.push(d.timedOut === true);
      cols.late!.push(d.lateReport === true);
      cols.revertTimedOut!.push(d.revertTimedOut === true);
    }
  }
  if (cols.device!.length === 0) return;
  await sql.query(
    `INSERT INTO rollout_view_devices (fleet, rollout_id, device_id, position, wave, assigned_at, outcome, outcome_reason, reachable,
       excluded, timed_out, late_report, revert_timed_out)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::text[], $7::text[], $8::text[], $9::boolean[],
       $10::boolean[], $11::boolean[], $12::boolean[], $13::boolean[])
     ON CONFLICT (fleet, rollout_id, device_id) DO UPDATE SET assigned_at = EXCLUDED.assigned_at, outcome = EXCLUDED.outcome,
       outcome_reason = EXCLUDED.outcome_reason, reachable = EXCLUDED.reachable, excluded = EXCLUDED.excluded,
       timed_out = EXCLUDED.timed_out, late_report = EXCLUDED.late_report, revert_timed_out = EXCLUDED.revert_timed_out`,
    Object.values(cols),
  );
}
