import { eventStreams, type Projection } from '@keelson/event-store';
import { parseRolloutEvent, type RolloutEvent } from '@keelson/events';
import { writeClaims } from './rollout-claims.js';

/**
 * Keeps the claims index in step with the rollouts: a creation claims its devices (creation wrote
 * them already, under the lock; this makes the index rebuildable), and a claim is released when its
 * device reached an outcome (a timeout included) or left the rollout, or when the rollout ended. A released device may
 * join another rollout of the same artifact name, e.g. a retry of the failed devices.
 */
export const rolloutClaimsProjection: Projection<RolloutEvent> = {
  name: 'orchestrator-rollout-claims',
  stream: eventStreams.orchestrator,
  filterSubjects: ['ev.rollout.>'],
  parse: parseRolloutEvent,
  async apply(sql, { event, seq }) {
    const { fleet, rolloutId } = event.data;
    switch (event.type) {
      case 'RolloutCreated':
        // the chunks that follow name only the rollout: remember its artifact name for them
        await sql.query(
          'INSERT INTO rollout_claim_artifacts (fleet, rollout_id, artifact_name) VALUES ($1, $2, $3) ON CONFLICT (fleet, rollout_id) DO NOTHING',
          [fleet, rolloutId, event.data.artifact.name],
        );
        await writeClaims(sql, fleet, event.data.artifact.name, rolloutId, event.data.deviceIds ?? [], seq);
        return;
      case 'RolloutTargetsAdded': {
        const rows = await sql.query<{ artifact_name: string }>('SELECT artifact_name FROM rollout_claim_artifacts WHERE fleet = $1 AND rollout_id = $2', [fleet, rolloutId]);
        if (rows[0]) await writeClaims(sql, fleet, rows[0].artifact_name, rolloutId, event.data.deviceIds, seq);
        return;
      }
      case 'DeviceOutcomeRecorded':
      case 'DeviceTimedOut':
      case 'DeviceExcluded':
        await sql.query('DELETE FROM rollout_claims WHERE fleet = $1 AND rollout_id = $2 AND device_id = $3', [fleet, rolloutId, event.data.deviceId]);
        return;
      case 'RolloutFinished':
      case 'RolloutAborted':
        await sql.query('DELETE FROM rollout_claims WHERE fleet = $1 AND rollout_id = $2', [fleet, rolloutId]);
        return;
      default:
        return;
    }
  },
};
