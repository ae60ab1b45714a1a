import { NotFound } from '@keelson/domain-kit';
import { eventStreams, type Reactor } from '@keelson/event-store';
import { isTerminalDeviceState, parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import type { Clock } from '@keelson/service-kit';
import type { Failpoint } from '../failpoint.js';
import type { RolloutClaims } from '../commands/rollout-claims.js';
import type { Rollouts } from '../rollouts.js';
import { installAssignmentId } from '../domain/wave-plan.js';

export interface DeviceOutcomesDeps {
  rollouts: Rollouts;
  /**
   * Which rollouts a device's decommission or reachability concerns: the claims index, which the
   * creation writes before it answers (the rollouts read model lags a rollout just created).
   */
  claims: Pick<RolloutClaims, 'rolloutsHolding'>;
  clock: Clock;
  failpoint?: Failpoint;
}

/** A report or decommission about a rollout this orchestrator never created is none of its business. */
async function ignoreUnknown(command: Promise<unknown>): Promise<void> {
  try {
    await command;
  } catch (err) {
    if (!(err instanceof NotFound)) throw err;
  }
}

const service = { kind: 'service', id: 'rollout-orchestrator' } as const;

/**
 * Records each terminal device report about a rollout's install assignment as that rollout's
 * outcome for the device; the same decision starts the next wave, waits at a gate, halts or
 * finishes. Reports about revert assignments and unknown rollouts are skipped, never poison.
 * A decommissioned device is excluded from every rollout still under way that targets it, and
 * a change of reachability is noted on each of them.
 */
export function deviceOutcomesReactor(deps: DeviceOutcomesDeps): Reactor<DeviceEvent> {
  return {
    name: 'orchestrator-device-outcomes',
    stream: eventStreams.gateway,
    filterSubjects: ['ev.device.>'],
    handles: ['DeviceDecommissioned', 'DeviceReachabilityChanged', 'DeviceReportedProgress'],
    parse: parseDeviceEvent,
    async handle({ event, seq, meta }) {
      if (event.type === 'DeviceDecommissioned') {
        // spec: a decommissioned device is no longer a live target, so it never hangs a rollout
        const { fleet, deviceId } = event.data;
        const reason = `device decommissioned${event.data.reason ? `: ${event.data.reason}` : ''}`.slice(0, 500);
        for (const rolloutId of await deps.claims.rolloutsHolding(fleet, deviceId)) {
          await ignoreUnknown(
            deps.rollouts.execute(
              { type: 'ExcludeDevice', fleet, rolloutId, deviceId, reason, at: deps.clock.now().toISOString() },
              { actor: service, correlationId: meta.correlationId, commandId: `device-event-${seq}-${rolloutId}` },
            ),
          );
        }
        return;
      }
      if (event.type === 'DeviceReachabilityChanged') {
        // unreachable devices block no wave or gate and their timeout clock stands still
        const { fleet, deviceId, reachable } = event.data;
        for (const rolloutId of await deps.claims.rolloutsHolding(fleet, deviceId)) {
          await ignoreUnknown(
            deps.rollouts.execute(
              { type: 'NoteDeviceReachability', fleet, rolloutId, deviceId, reachable, asOfSeq: seq, at: deps.clock.now().toISOString() },
              { actor: service, correlationId: meta.correlationId, commandId: `device-event-${seq}-${rolloutId}` },
            ),
          );
        }
        return;
      }
      if (event.type !== 'DeviceReportedProgress' || !isTerminalDeviceState(event.data.state)) return;
      const { fleet, rolloutId, deviceId, assignmentId, state, reason } = event.data;
      if (assignmentId !== installAssignmentId(rolloutId, deviceId)) return;
      await ignoreUnknown(
        deps.rollouts
          .execute(
            {
              type: 'RecordDeviceOutcome',
              fleet,
              rolloutId,
              deviceId,
              assignmentId,
              state,
              ...(reason === undefined ? {} : { reason }),
              at: deps.clock.now().toISOString(),
            },
            // one command id per device event: a redelivered report is de-duplicated by JetStream too
            { actor: { kind: 'device', id: deviceId }, correlationId: meta.correlationId, commandId: `device-event-${seq}` },
          )
          .then(({ firstSeq }) => {
            if (firstSeq > 0) deps.failpoint?.('outcome-recorded'); // stored with what it started; the report is not acknowledged yet
          }),
      );
    },
  };
}
