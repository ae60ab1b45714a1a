import type { NatsConnection } from '@nats-io/transport-node';
import { gateway } from '@keelson/requests';
import { eventStreams, type EventStoreNaming, type Reactor } from '@keelson/event-store';
import { getsRevert, parseRolloutEvent, type Assignment, type RolloutEvent } from '@keelson/events';
import { sendRequest, newContext, numberSetting, type Clock, type ServiceConfig } from '@keelson/service-kit';
import type { Failpoint } from '../failpoint.js';
import type { LiveRollout } from '../domain/rollout.decider.js';
import { assignmentsSent } from '../rollout.metrics.js';
import type { Rollouts } from '../rollouts.js';
import { installAssignmentId, revertAssignmentId } from '../domain/wave-plan.js';

export interface AssignmentsReactorDeps {
  nc: NatsConnection;
  naming: EventStoreNaming;
  rollouts: Rollouts;
  clock: Clock;
  /** Assign requests in flight at once: a wave of thousands should not go one round trip at a time. */
  concurrency?: number;
  /** Devices per `assign-many` request: a wave goes out in a few dozen round trips, not one per device. */
  batch?: number;
  failpoint?: Failpoint;
}

const actor = { kind: 'service', id: 'rollout-orchestrator' } as const;

/** `KEELSON_ASSIGN_CONCURRENCY` (default 16, 1-256): `assign-many` requests (50 devices each) in flight at once while a wave starts. */
export function assignConcurrencyOf(config: Pick<ServiceConfig, 'service' | 'env'>): number {
  return numberSetting(config, 'KEELSON_ASSIGN_CONCURRENCY', { default: 16, min: 1, max: 256 });
}

/** `KEELSON_ASSIGN_BATCH` (default 50, 1-500, the gateway's limit): devices per `assign-many` request. */
export function assignBatchOf(config: Pick<ServiceConfig, 'service' | 'env'>): number {
  return numberSetting(config, 'KEELSON_ASSIGN_BATCH', { default: 50, min: 1, max: gateway.maxAssignBatch });
}

function batchesOf<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Turns assigned chunks (`DevicesAssigned`, each at most one event's worth of devices) into install assignments and an
 * abort with revert into revert assignments, through `cmd.gateway.assign-many`. The gateway is
 * idempotent on the assignment id, so a redelivery (after a crash between assigning and
 * acknowledging) never assigns a device twice. An assignment is desired state, not a push: an
 * unreachable device gets its install or revert when it next checks in, so nothing waits for it.
 */
export function assignmentsReactor(deps: AssignmentsReactorDeps): Reactor<RolloutEvent> {
  const { nc, naming, rollouts } = deps;
  const concurrency = deps.concurrency ?? 16;
  const assignBatch = deps.batch ?? 50;
  const sent = assignmentsSent();

  const assign = async (state: LiveRollout, deviceIds: string[], action: Assignment['action'], correlationId: string) => {
    const { fleet, rolloutId, artifact, probe } = state.facts;
    const idOf = action === 'install' ? installAssignmentId : revertAssignmentId;
    const refused = async (deviceId: string, code: string) => {
      if (action === 'revert') {
        // A device the gateway refuses for good (decommissioned since) cannot revert; the others must.
        sent.inc({ action, changed: 'refused' });
        return;
      }
      // The gateway refuses this device for good (unknown, decommissioned): it will never report,
      // so it stops being a live target instead of hanging the rollout.
      const reason = `the gateway refused to assign the device (${code})`;
      await rollouts.execute(
        { type: 'ExcludeDevice', fleet, rolloutId, deviceId, reason, at: deps.clock.now().toISOString() },
        { actor, correlationId, commandId: `unassignable-${idOf(rolloutId, deviceId)}` },
      );
    };
    await eachLimited(batchesOf(deviceIds, assignBatch), concurrency, async (batch) => {
      const devices = batch.map((deviceId) => ({ deviceId, assignmentId: idOf(rolloutId, deviceId) }));
      const input = { fleet, template: { rolloutId, artifact, probe, action }, devices };
      const { results } = await sendRequest(nc, naming, gateway.assignDevices, input, newContext(actor, correlationId));
      for (const result of results) {
        if ('refused' in result) await refused(result.deviceId, result.refused.code);
        else sent.inc({ action, changed: String(result.changed) });
        deps.failpoint?.('assignment-answered'); // counts devices, as when each was a request of its own
      }
    });
  };

  return {
    name: 'orchestrator-assignments',
    stream: eventStreams.orchestrator,
    filterSubjects: ['ev.rollout.>'],
    handles: ['WaveStarted', 'DevicesAssigned', 'RolloutAborted'],
    parse: parseRolloutEvent,
    async handle({ event, meta }) {
      const installs = event.type === 'WaveStarted' || event.type === 'DevicesAssigned';
      if (!installs && !(event.type === 'RolloutAborted' && event.data.mode === 'revert')) return;
      const state = await rollouts.current(event.data.fleet, event.data.rolloutId);
      if (state.status === 'absent') return;
      if (installs) {
        // Aborted before these devices got their assignments: nothing to install (nor to revert later).
        if (state.status === 'aborted') return;
        // A wave's devices come as `DevicesAssigned` chunks, a message each; a version-1 `WaveStarted` listed them.
        await assign(state, event.data.deviceIds ?? [], 'install', meta.correlationId);
        return;
      }
      await assign(
        state,
        state.facts.deviceIds.filter((d) => getsRevert(state.facts.devices.record(d))),
        'revert',
        meta.correlationId,
      );
    },
  };
}
