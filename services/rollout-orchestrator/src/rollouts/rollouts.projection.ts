import { eventStreams, type Projection } from '@keelson/event-store';
import { parseRolloutEvent, type RolloutEvent } from '@keelson/events';
import { rolloutDecider, type Rollout } from './rollout.decider.js';

/**
 * The `rollouts` read model: each row holds the rollout's folded state, so the row's evolve is the
 * aggregate's own evolve (emmett's document projection) and list queries need no stream reads.
 */
export const rolloutsProjection: Projection<RolloutEvent> = {
  name: 'orchestrator-rollouts',
  stream: eventStreams.orchestrator,
  filterSubjects: ['ev.rollout.>'],
  parse: parseRolloutEvent,
  async apply(sql, { event, seq }) {
    const { fleet, rolloutId } = event.data;
    const rows = await sql.query<{ state: Rollout; last_seq: string }>('SELECT state, last_seq FROM rollouts WHERE fleet = $1 AND rollout_id = $2', [fleet, rolloutId]);
    const row = rows[0];
    if (row && Number(row.last_seq) >= seq) return; // applied already
    const state = rolloutDecider.evolve(row?.state ?? rolloutDecider.initialState(), event);
    if (state.status === 'absent') return;
    await sql.query(
      `INSERT INTO rollouts (fleet, rollout_id, state, created_seq, last_seq) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (fleet, rollout_id) DO UPDATE SET state = EXCLUDED.state, last_seq = EXCLUDED.last_seq
       WHERE rollouts.last_seq < EXCLUDED.last_seq`,
      [fleet, rolloutId, JSON.stringify(state), seq],
    );
  },
};
