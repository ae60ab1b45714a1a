import type { orchestrator } from '@keelson/requests';
import { eventStreams, type Projection } from '@keelson/event-store';
import { parseExperimentEvent, type ExperimentEvent } from '@keelson/events';
import { evolveExperimentView } from './experiment-view.js';

/**
 * `experiment_summaries`: the view of each experiment, rewritten per event and guarded by the
 * stream sequence, so a redelivery is a no-op.
 */
export const experimentsProjection: Projection<ExperimentEvent> = {
  name: 'orchestrator-experiment-summaries',
  stream: eventStreams.orchestrator,
  filterSubjects: ['ev.experiment.>'],
  parse: parseExperimentEvent,
  async apply(sql, { event, seq }) {
    const { fleet, experimentId } = event.data;
    const [row] = await sql.query<{ view: orchestrator.ExperimentView; last_seq: string }>(
      'SELECT view, last_seq FROM experiment_summaries WHERE fleet = $1 AND experiment_id = $2',
      [fleet, experimentId],
    );
    if (row && Number(row.last_seq) >= seq) return; // applied already
    const view = evolveExperimentView(row?.view ?? null, event);
    if (!view) return;
    await sql.query(
      `INSERT INTO experiment_summaries (fleet, experiment_id, group_id, status, settled, view, created_seq, last_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
       ON CONFLICT (fleet, experiment_id) DO UPDATE SET status = EXCLUDED.status, settled = EXCLUDED.settled, view = EXCLUDED.view, last_seq = EXCLUDED.last_seq
       WHERE experiment_summaries.last_seq < EXCLUDED.last_seq`,
      [fleet, experimentId, view.groupId, view.status, view.settled, JSON.stringify(view), seq],
    );
  },
};
