import { eventStreams, type Projection } from '@keelson/event-store';
import { parseRolloutEvent, type RolloutEvent } from '@keelson/events';
import { upgradedRollout } from './legacy-facts.js';
import { rolloutDocument, rolloutFromDocument, type RolloutDocument } from './rollout-document.js';
import { rolloutDecider } from './rollout.decider.js';

/**
 * The `rollouts` read model: each row holds the rollout's folded state (the row's evolve is the
 * aggregate's own evolve, as emmett's document projections do), so list queries need no stream
 * reads. Device outcomes go to `rollout_device_outcomes`, one row each, rather than into the
 * document: rewriting a document that grows with every outcome would cost O(devices²) for a wave.
 */
export const rolloutsProjection: Projection<RolloutEvent> = {
  name: 'orchestrator-rollouts',
  stream: eventStreams.orchestrator,
  filterSubjects: ['ev.rollout.>'],
  parse: parseRolloutEvent,
  async apply(sql, { event, seq }) {
    const { fleet, rolloutId } = event.data;
    if (event.type === 'DeviceOutcomeRecorded') {
      const { deviceId, state, reason } = event.data;
      await sql.query(
        `INSERT INTO rollout_device_outcomes (fleet, rollout_id, device_id, state, reason, seq) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (fleet, rollout_id, device_id) DO NOTHING`,
        [fleet, rolloutId, deviceId, state, reason ?? null, seq],
      );
      return;
    }
    if (event.type === 'DeviceTimedOut') {
      // the outcome the rollout counted; the document below keeps which devices timed out
      await sql.query(
        `INSERT INTO rollout_device_outcomes (fleet, rollout_id, device_id, state, reason, seq) VALUES ($1, $2, $3, 'failed', 'timeout', $4)
         ON CONFLICT (fleet, rollout_id, device_id) DO NOTHING`,
        [fleet, rolloutId, event.data.deviceId, seq],
      );
    }
    const rows = await sql.query<{ state: RolloutDocument; last_seq: string }>('SELECT state, last_seq FROM rollouts WHERE fleet = $1 AND rollout_id = $2', [fleet, rolloutId]);
    const row = rows[0];
    if (row && Number(row.last_seq) >= seq) return; // applied already
    const state = rolloutDecider.evolve(row ? rolloutFromDocument(upgradedRollout(row.state)) : rolloutDecider.initialState(), event);
    if (state.status === 'absent') return;
    await sql.query(
      `INSERT INTO rollouts (fleet, rollout_id, state, created_seq, last_seq) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (fleet, rollout_id) DO UPDATE SET state = EXCLUDED.state, last_seq = EXCLUDED.last_seq
       WHERE rollouts.last_seq < EXCLUDED.last_seq`,
      [fleet, rolloutId, JSON.stringify(rolloutDocument(state)), seq],
    );
  },
};
