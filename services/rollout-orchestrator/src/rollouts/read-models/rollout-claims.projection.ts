import { eventStreams, type Projection, type RecordedEvent } from '@keelson/event-store';
import { parseRolloutEvent, type RolloutEvent } from '@keelson/events';
import type { Sql } from '@keelson/postgres';
import { writeClaims } from '../commands/rollout-claims.js';

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
  // Assignments, waves, reachability and late reports change no claim: passed over unparsed.
  handles: [
    'RolloutCreated',
    'RolloutTargetsAdded',
    'DeviceOutcomeRecorded',
    'DeviceTimedOut',
    'DeviceExcluded',
    'RolloutFinished',
    'RolloutAborted',
  ],
  apply,
  /**
   * The batch's creations first: a creation still under way holds its rollout's row until it
   * commits, and waiting for it before any other event of the batch means this transaction holds no
   * claim the creation may be about to write (releases of another rollout's devices it takes over).
   */
  async applyBatch(sql, events) {
    for (const { event } of events)
      if (event.type === 'RolloutCreated') await rememberArtifact(sql, event.data.fleet, event.data.rolloutId, event.data.artifact.name);
    const releases = new Releases();
    for (const recorded of events) {
      const { event } = recorded;
      if (event.type === 'DeviceOutcomeRecorded' || event.type === 'DeviceTimedOut' || event.type === 'DeviceExcluded') {
        releases.add(event.data.fleet, event.data.rolloutId, event.data.deviceId);
        continue;
      }
      // Deletes commute with deletes; a claim written after a release must find it done.
      if (event.type === 'RolloutCreated' || event.type === 'RolloutTargetsAdded') await releases.flush(sql);
      await apply(sql, recorded);
    }
    await releases.flush(sql);
  },
};

/**
 * The released claims of a run of a batch, one DELETE per rollout instead of one per device (they were
 * a statement for nearly every device update).
 */
class Releases {
  private readonly byRollout = new Map<string, { fleet: string; rolloutId: string; deviceIds: string[] }>();

  add(fleet: string, rolloutId: string, deviceId: string): void {
    const key = JSON.stringify([fleet, rolloutId]);
    const entry = this.byRollout.get(key) ?? { fleet, rolloutId, deviceIds: [] };
    entry.deviceIds.push(deviceId);
    this.byRollout.set(key, entry);
  }

  async flush(sql: Sql): Promise<void> {
    for (const { fleet, rolloutId, deviceIds } of this.byRollout.values()) {
      await sql.query('DELETE FROM rollout_claims WHERE fleet = $1 AND rollout_id = $2 AND device_id = ANY($3::text[])', [
        fleet,
        rolloutId,
        deviceIds,
      ]);
    }
    this.byRollout.clear();
  }
}

async function apply(sql: Sql, { event, seq }: RecordedEvent<RolloutEvent>): Promise<void> {
  const { fleet, rolloutId } = event.data;
  switch (event.type) {
    case 'RolloutCreated': {
      // The chunks that follow name only the rollout: remember its artifact name for them. A
      // creation still under way holds this row (it marked it before appending): the insert waits
      // for it, and a committed creation's mark says its claims are written already.
      await rememberArtifact(sql, fleet, rolloutId, event.data.artifact.name);
      if (!(await claimedAtCreation(sql, fleet, rolloutId)))
        await writeClaims(sql, fleet, event.data.artifact.name, rolloutId, event.data.deviceIds ?? [], seq);
      return;
    }
    case 'RolloutTargetsAdded': {
      const rows = await sql.query<{ artifact_name: string; claimed_at_creation: boolean }>(
        'SELECT artifact_name, claimed_at_creation FROM rollout_claim_artifacts WHERE fleet = $1 AND rollout_id = $2',
        [fleet, rolloutId],
      );
      if (rows[0] && !rows[0].claimed_at_creation)
        await writeClaims(sql, fleet, rows[0].artifact_name, rolloutId, event.data.deviceIds, seq);
      return;
    }
    case 'DeviceOutcomeRecorded':
    case 'DeviceTimedOut':
    case 'DeviceExcluded':
      await sql.query('DELETE FROM rollout_claims WHERE fleet = $1 AND rollout_id = $2 AND device_id = $3', [
        fleet,
        rolloutId,
        event.data.deviceId,
      ]);
      return;
    case 'RolloutFinished':
    case 'RolloutAborted':
      await sql.query('DELETE FROM rollout_claims WHERE fleet = $1 AND rollout_id = $2', [fleet, rolloutId]);
      return;
    default:
      return;
  }
}

function rememberArtifact(sql: Sql, fleet: string, rolloutId: string, artifactName: string): Promise<unknown> {
  return sql.query(
    'INSERT INTO rollout_claim_artifacts (fleet, rollout_id, artifact_name) VALUES ($1, $2, $3) ON CONFLICT (fleet, rollout_id) DO NOTHING',
    [fleet, rolloutId, artifactName],
  );
}

async function claimedAtCreation(sql: Sql, fleet: string, rolloutId: string): Promise<boolean> {
  const rows = await sql.query<{ claimed_at_creation: boolean }>(
    'SELECT claimed_at_creation FROM rollout_claim_artifacts WHERE fleet = $1 AND rollout_id = $2',
    [fleet, rolloutId],
  );
  return rows[0]?.claimed_at_creation === true;
}
