import { eventStreams, type Projection, type RecordedEvent } from '@keelson/event-store';
import { parseRolloutEvent, type RolloutEvent } from '@keelson/events';
import type { Sql } from '@keelson/postgres';
import { applyToView, createdView, devicesNamed, type ViewState } from './rollout-view.evolve.js';
import { saveViews } from './rollout-view.save.js';
import {
  deviceOfColumns,
  viewRowOfColumns,
  waveOfColumns,
  type DeviceColumns,
  type ViewColumns,
  type WaveColumns,
} from './rollout-view.tables.js';

const keyOf = (fleet: string, rolloutId: string) => JSON.stringify([fleet, rolloutId]);

/** The views of the rollouts a batch names, with the rows of the devices its events change (at most three reads, whatever the batch). */
async function loadViews(sql: Sql, events: RecordedEvent<RolloutEvent>[]): Promise<Map<string, ViewState>> {
  const rollouts = new Map<string, [string, string]>();
  const named = new Map<string, Set<string>>();
  for (const { event } of events) {
    const { fleet, rolloutId } = event.data;
    const key = keyOf(fleet, rolloutId);
    rollouts.set(key, [fleet, rolloutId]);
    for (const deviceId of devicesNamed(event)) {
      let ids = named.get(key);
      if (!ids) named.set(key, (ids = new Set()));
      ids.add(deviceId);
    }
  }
  const [fleets, ids] = [[...rollouts.values()].map(([f]) => f), [...rollouts.values()].map(([, r]) => r)];
  const views = new Map<string, ViewState>();
  const rows = await sql.query<ViewColumns>(
    `SELECT v.* FROM rollout_views v JOIN unnest($1::text[], $2::text[]) AS k(fleet, rollout_id)
     ON v.fleet = k.fleet AND v.rollout_id = k.rollout_id`,
    [fleets, ids],
  );
  for (const c of rows) {
    const row = viewRowOfColumns(c);
    const state = {
      row,
      createdSeq: Number(c.created_seq),
      lastSeq: Number(c.last_seq),
      waves: [],
      devices: new Map(),
      touched: new Set<string>(),
    };
    views.set(keyOf(c.fleet, c.rollout_id), state);
  }
  if (views.size === 0) return views;
  const waves = await sql.query<WaveColumns & { fleet: string }>(
    `SELECT w.* FROM rollout_view_waves w JOIN unnest($1::text[], $2::text[]) AS k(fleet, rollout_id)
     ON w.fleet = k.fleet AND w.rollout_id = k.rollout_id ORDER BY w.wave`,
    [fleets, ids],
  );
  for (const w of waves) views.get(keyOf(w.fleet, w.rollout_id))?.waves.push(waveOfColumns(w));
  const wanted = [...named].filter(([key]) => views.has(key)).flatMap(([key, devices]) => [...devices].map((d) => [key, d] as const));
  if (wanted.length === 0) return views;
  const devices = await sql.query<DeviceColumns & { fleet: string }>(
    `SELECT d.* FROM rollout_view_devices d JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(fleet, rollout_id, device_id)
     ON d.fleet = k.fleet AND d.rollout_id = k.rollout_id AND d.device_id = k.device_id`,
    [wanted.map(([key]) => rollouts.get(key)![0]), wanted.map(([key]) => rollouts.get(key)![1]), wanted.map(([, d]) => d)],
  );
  for (const d of devices) views.get(keyOf(d.fleet, d.rollout_id))?.devices.set(d.device_id, deviceOfColumns(d));
  return views;
}

/** Applies a batch in stream order to the views it names and writes what changed; events a view holds already are skipped. */
async function applyEvents(sql: Sql, events: RecordedEvent<RolloutEvent>[]): Promise<void> {
  const views = await loadViews(sql, events);
  const changed = new Set<ViewState>();
  for (const { event, seq } of events) {
    const key = keyOf(event.data.fleet, event.data.rolloutId);
    const view = views.get(key);
    if (view && view.lastSeq >= seq) continue; // applied already
    if (!view) {
      if (event.type !== 'RolloutCreated') continue; // nothing to show before its creation
      const created = createdView(event, seq);
      views.set(key, created);
      changed.add(created);
      continue;
    }
    applyToView(view, event, seq);
    changed.add(view);
  }
  await saveViews(sql, [...changed]);
}

/**
 * The rollouts as operators read them, as plain rows: `rollout_views` (a row per rollout: what it was
 * created with, its status, wave, halt and times), `rollout_view_waves` (a row per wave: its size and
 * counts) and `rollout_view_devices` (a row per device: its place, wave, and what the rollout recorded
 * of it). A batch costs at most six statements whatever it holds: three reads (the rollouts it names, their
 * waves, the devices its events name), and one write per table; each row is guarded by its rollout's
 * last sequence, so a redelivered batch changes nothing. Filled from the stream's start under its
 * own name, so an installation that had the summaries rebuilds these rows on upgrade.
 */
export const rolloutViewsProjection: Projection<RolloutEvent> = {
  name: 'orchestrator-rollout-views',
  stream: eventStreams.orchestrator,
  filterSubjects: ['ev.rollout.>'],
  parse: parseRolloutEvent,
  apply: (sql, event) => applyEvents(sql, [event]),
  applyBatch: applyEvents,
};
