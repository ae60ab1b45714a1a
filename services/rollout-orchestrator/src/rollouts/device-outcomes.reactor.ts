import { NotFound } from '@keelson/domain-kit';
import { eventStreams, type Reactor } from '@keelson/event-store';
import { isTerminalDeviceState, parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import type { Clock } from '@keelson/service-kit';
import type { Rollouts } from './rollouts.js';
import { installAssignmentId } from './wave-plan.js';

/**
 * Records each terminal device report about a rollout's install assignment as that rollout's
 * outcome for the device; the same decision starts the next wave, waits at a gate, halts or
 * finishes. Reports about revert assignments and unknown rollouts are skipped, never poison.
 */
export function deviceOutcomesReactor(deps: { rollouts: Rollouts; clock: Clock }): Reactor<DeviceEvent> {
  return {
    name: 'orchestrator-device-outcomes',
    stream: eventStreams.gateway,
    filterSubjects: ['ev.device.>'],
    parse: parseDeviceEvent,
    async handle({ event, seq, meta }) {
      if (event.type !== 'DeviceReportedProgress' || !isTerminalDeviceState(event.data.state)) return;
      const { fleet, rolloutId, deviceId, assignmentId, state, reason } = event.data;
      if (assignmentId !== installAssignmentId(rolloutId, deviceId)) return;
      try {
        await deps.rollouts.execute(
          { type: 'RecordDeviceOutcome', fleet, rolloutId, deviceId, assignmentId, state, ...(reason === undefined ? {} : { reason }), at: deps.clock.now().toISOString() },
          // one command id per device event: a redelivered report is de-duplicated by JetStream too
          { actor: { kind: 'device', id: deviceId }, correlationId: meta.correlationId, commandId: `device-event-${seq}` },
        );
      } catch (err) {
        if (err instanceof NotFound) return; // a rollout this orchestrator never created
        throw err;
      }
    },
  };
}
