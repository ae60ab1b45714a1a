import { eventStreams, type Projection } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import { installAssignmentId, revertAssignmentId } from './wave-plan.js';

/**
 * The `rollout_device_progress` read model over the gateway's device events: the latest state each
 * device reported about its install assignment of a rollout, non-terminal states included. Reports
 * about its revert assignment (abort with `revert`) go to `rollout_device_reverts`, so a revert is
 * reported like an update; reports about other ids are skipped.
 */
export const deviceProgressProjection: Projection<DeviceEvent> = {
  name: 'orchestrator-device-progress',
  stream: eventStreams.gateway,
  filterSubjects: ['ev.device.>'],
  parse: parseDeviceEvent,
  async apply(sql, { event, seq }) {
    if (event.type !== 'DeviceReportedProgress') return;
    const { fleet, rolloutId, deviceId, assignmentId, state, reason, reportedAt } = event.data;
    const isRevert = assignmentId === revertAssignmentId(rolloutId, deviceId);
    if (assignmentId !== installAssignmentId(rolloutId, deviceId) && !isRevert) return;
    const table = isRevert ? 'rollout_device_reverts' : 'rollout_device_progress';
    await sql.query(
      `INSERT INTO ${table} (fleet, rollout_id, device_id, state, reason, reported_at, last_seq) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (fleet, rollout_id, device_id) DO UPDATE SET state = EXCLUDED.state, reason = EXCLUDED.reason,
         reported_at = EXCLUDED.reported_at, last_seq = EXCLUDED.last_seq
       WHERE ${table}.last_seq < EXCLUDED.last_seq`,
      [fleet, rolloutId, deviceId, state, reason ?? null, reportedAt, seq],
    );
  },
};
