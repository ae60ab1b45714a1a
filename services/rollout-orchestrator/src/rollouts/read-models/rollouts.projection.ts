import { eventStreams, type Projection, type RecordedEvent } from '@keelson/event-store';
import { parseRolloutEvent, type DeviceOutcomeRecorded, type RolloutEvent } from '@keelson/events';
import type { Sql } from '@keelson/postgres';
import type { DeviceRecord } from '../domain/device-ledger.js';
import { assignedRecord, reachabilityRecordIn } from '../domain/rollout-phase.js';
import { createdSummary, orderField, summaryAfter, type DeviceList, type RolloutSummary } from './rollout-summary.js';

type Key = { fleet: string; rolloutId: string };
type Outcome = Pick<RecordedEvent<DeviceOutcomeRecorded>, 'event' | 'seq'>;

async function insertTargets(sql: Sql, { fleet, rolloutId }: Key, from: number, deviceIds: string[]): Promise<void> {
  await sql.query(
    `INSERT INTO rollout_targets (fleet, rollout_id, device_id, position)
     SELECT $1, $2, d, $3 + o - 1 FROM unnest($4::text[]) WITH ORDINALITY AS t(d, o) ON CONFLICT DO NOTHING`,
    [fleet, rolloutId, from, deviceIds],
  );
}

/** Rewrites the records of `deviceIds` (the rollout's targets among them) with `change`. */
async function changeRecords(
  sql: Sql,
  { fleet, rolloutId }: Key,
  deviceIds: string[],
  change: (r: DeviceRecord) => DeviceRecord,
): Promise<void> {
  const rows = await sql.query<{ device_id: string; record: DeviceRecord }>(
    'SELECT device_id, record FROM rollout_targets WHERE fleet = $1 AND rollout_id = $2 AND device_id = ANY($3::text[])',
    [fleet, rolloutId, deviceIds],
  );
  if (rows.length === 0) return;
  await sql.query(
    `UPDATE rollout_targets t SET record = v.record FROM unnest($3::text[], $4::jsonb[]) AS v(device_id, record)
     WHERE t.fleet = $1 AND t.rollout_id = $2 AND t.device_id = v.device_id`,
    [fleet, rolloutId, rows.map((r) => r.device_id), rows.map((r) => JSON.stringify(change(r.record)))],
  );
}

async function recordOutcome(
  sql: Sql,
  { fleet, rolloutId }: Key,
  deviceId: string,
  state: string,
  reason: string | undefined,
  seq: number,
) {
  await sql.query(
    `INSERT INTO rollout_device_outcomes (fleet, rollout_id, device_id, state, reason, seq) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (fleet, rollout_id, device_id) DO NOTHING`,
    [fleet, rolloutId, deviceId, state, reason ?? null, seq],
  );
}

/** The outcomes recorded before `seq` (a resume acknowledges them); the outcome table is filled by this projection. */
async function outcomesBefore(sql: Sql, { fleet, rolloutId }: Key, seq: number) {
  const [row] = await sql.query<{ outcomes: number; failures: number }>(
    `SELECT count(*)::int AS outcomes, (count(*) FILTER (WHERE state <> 'healthy'))::int AS failures
     FROM rollout_device_outcomes WHERE fleet = $1 AND rollout_id = $2 AND seq < $3`,
    [fleet, rolloutId, seq],
  );
  return row ?? { outcomes: 0, failures: 0 };
}

/** The device joins `list` at the next place, unless it is on it already; the summary counts it. */
async function listDevice(sql: Sql, key: Key, summary: RolloutSummary, deviceId: string, list: DeviceList): Promise<RolloutSummary | null> {
  const field = orderField[list];
  const [row] = await sql.query<{ record: DeviceRecord }>(
    'SELECT record FROM rollout_targets WHERE fleet = $1 AND rollout_id = $2 AND device_id = $3',
    [key.fleet, key.rolloutId, deviceId],
  );
  if (!row || row.record[field] !== undefined) return null;
  const place = summary.facts.listed[list] ?? 0; // summaries written before a list existed lack its count
  await changeRecords(sql, key, [deviceId], (r) => ({ ...r, [field]: place }));
  return { ...summary, facts: { ...summary.facts, listed: { ...summary.facts.listed, [list]: place + 1 } } };
}

/** What one event changes in the read model; returns the new summary when the summary changed. */
async function applyEvent(sql: Sql, summary: RolloutSummary | null, event: RolloutEvent, seq: number): Promise<RolloutSummary | null> {
  const key = { fleet: event.data.fleet, rolloutId: event.data.rolloutId };
  if (event.type === 'RolloutCreated') {
    if (summary) return null;
    await insertTargets(sql, key, 0, event.data.deviceIds ?? []); // a version-1 creation lists its devices
    return createdSummary(event);
  }
  if (!summary) return null;
  switch (event.type) {
    case 'RolloutTargetsAdded':
      await insertTargets(sql, key, event.data.from, event.data.deviceIds);
      return null;
    case 'WaveStarted':
      if (event.data.deviceIds)
        await changeRecords(sql, key, event.data.deviceIds, (r) => assignedRecord(r, event.data.startedAt ?? summary.facts.createdAt));
      return summaryAfter(summary, event, () => outcomesBefore(sql, key, seq));
    case 'DevicesAssigned':
      await changeRecords(sql, key, event.data.deviceIds, (r) => assignedRecord(r, event.data.assignedAt));
      return null;
    case 'DeviceReachabilityNoted': {
      const { deviceId, reachable, asOfSeq, notedAt } = event.data;
      await changeRecords(sql, key, [deviceId], (r) => reachabilityRecordIn(summary, r, reachable, asOfSeq, notedAt));
      return null;
    }
    case 'DeviceTimedOut':
      await recordOutcome(sql, key, event.data.deviceId, 'failed', 'timeout', seq);
      return listDevice(sql, key, summary, event.data.deviceId, 'timedOut');
    case 'LateDeviceReportRecorded':
      return listDevice(sql, key, summary, event.data.deviceId, 'lateReports');
    case 'DeviceExcluded':
      return listDevice(sql, key, summary, event.data.deviceId, 'excluded');
    case 'DeviceRevertTimedOut':
      return listDevice(sql, key, summary, event.data.deviceId, 'revertTimedOut');
    default:
      return summaryAfter(summary, event, () => outcomesBefore(sql, key, seq));
  }
}

/**
 * The rollouts read model, in three tables that each cost the same to write for any fleet size:
 * `rollout_summaries` (a row per rollout: phase and facts, no devices), `rollout_targets` (a row per
 * device: its place in the order and its record) and `rollout_device_outcomes` (a row per outcome).
 * An event rewrites the summary and the rows of the devices it names, never the whole rollout.
 */
export const rolloutsProjection: Projection<RolloutEvent> = {
  name: 'orchestrator-rollout-summaries',
  stream: eventStreams.orchestrator,
  filterSubjects: ['ev.rollout.>'],
  parse: parseRolloutEvent,
  apply: (sql, { event, seq }) =>
    event.type === 'DeviceOutcomeRecorded' ? recordOutcomes(sql, [{ event, seq }]) : applySummaryEvent(sql, event, seq),
  /**
   * The outcomes of a batch in one INSERT per run: a run ends at an event that reads the outcome
   * table (the counts before a wave or a resume) or writes it (a timeout), so each sees what `apply`
   * one by one would have shown it. Assignments, reachability, targets, exclusions and late reports
   * touch neither the outcomes nor what an outcome writes, and do not end a run.
   */
  async applyBatch(sql, events) {
    let outcomes: Outcome[] = [];
    for (const { event, seq } of events) {
      if (event.type === 'DeviceOutcomeRecorded') {
        outcomes.push({ event, seq });
        continue;
      }
      if (!outcomesUntouched.has(event.type)) {
        await recordOutcomes(sql, outcomes);
        outcomes = [];
      }
      await applySummaryEvent(sql, event, seq);
    }
    await recordOutcomes(sql, outcomes);
  },
};

const outcomesUntouched: ReadonlySet<RolloutEvent['type']> = new Set([
  'DevicesAssigned',
  'DeviceReachabilityNoted',
  'RolloutTargetsAdded',
  'DeviceExcluded',
  'LateDeviceReportRecorded',
  'DeviceRevertTimedOut',
]);

/** A row per outcome; a device's first outcome in the rollout stays (the first row of the statement wins, in stream order). */
async function recordOutcomes(sql: Sql, outcomes: Outcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await sql.query(
    `INSERT INTO rollout_device_outcomes (fleet, rollout_id, device_id, state, reason, seq)
     SELECT f, r, d, s, reason, seq FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) WITH ORDINALITY AS v(f, r, d, s, reason, seq, o) ORDER BY o
     ON CONFLICT (fleet, rollout_id, device_id) DO NOTHING`,
    [
      outcomes.map((o) => o.event.data.fleet),
      outcomes.map((o) => o.event.data.rolloutId),
      outcomes.map((o) => o.event.data.deviceId),
      outcomes.map((o) => o.event.data.state),
      outcomes.map((o) => o.event.data.reason ?? null),
      outcomes.map((o) => o.seq),
    ],
  );
}

/** Any event but an outcome: the summary and the device rows it changes. */
async function applySummaryEvent(sql: Sql, event: RolloutEvent, seq: number): Promise<void> {
  const { fleet, rolloutId } = event.data;
  const [row] = await sql.query<{ summary: RolloutSummary; last_seq: string }>(
    'SELECT summary, last_seq FROM rollout_summaries WHERE fleet = $1 AND rollout_id = $2',
    [fleet, rolloutId],
  );
  if (row && Number(row.last_seq) >= seq) return; // applied already
  const summary = await applyEvent(sql, row?.summary ?? null, event, seq);
  if (!summary) return;
  await sql.query(
    `INSERT INTO rollout_summaries (fleet, rollout_id, summary, status, created_seq, last_seq) VALUES ($1, $2, $3, $4, $5, $5)
     ON CONFLICT (fleet, rollout_id) DO UPDATE SET summary = EXCLUDED.summary, status = EXCLUDED.status, last_seq = EXCLUDED.last_seq
     WHERE rollout_summaries.last_seq < EXCLUDED.last_seq`,
    [fleet, rolloutId, JSON.stringify(summary), summary.status, seq],
  );
}
