import { z } from 'zod';
import { orchestrator } from '@keelson/requests';
import {
  DeviceReportedProgress,
  LiveDeviceProgress,
  revertAssignmentId,
  rolloutEvents,
  type RolloutEvent,
  type StepTimes,
} from '@keelson/events';
import type { SseMessage } from '../sse-reader.js';

/** How a watched rollout ended, as the `end` event says. */
export type WatchEnd = 'succeeded' | 'failed' | 'aborted';

const Fed = z.object({ time: z.string(), event: z.unknown() });
const RevertEnd = z.object({
  reverted: z.number(),
  failed: z.number(),
  offline: z.number(),
  decommissioned: z.number(),
  offlineDeviceIds: z.array(z.string()),
});
const End = z.object({ status: z.enum(['succeeded', 'failed', 'aborted']), reverts: RevertEnd.optional() });

const Progress = z.object({ time: z.string(), event: LiveDeviceProgress });
const clock = (iso: string) => iso.slice(11, 19);

/** How long each step an outcome's report times took, from one step's start to the next's (or to the outcome). */
export function stepDurations(steps: StepTimes, reportedAt: string): string {
  const marks: [string, string | undefined][] = [
    ['download', steps.downloading],
    ['verify', steps.verifying],
    ['apply and probe', steps.applying],
  ];
  const started = marks.flatMap(([name, at]) => (at === undefined ? [] : [{ name, at }]));
  return started
    .map(({ name, at }, i) => {
      const seconds = (Date.parse(started[i + 1]?.at ?? reportedAt) - Date.parse(at)) / 1000;
      return `${name} ${Math.max(0, seconds).toFixed(1)} s`;
    })
    .join(', ');
}

// Spec (Rollouts, device states): what each reported state means to someone watching.
const deviceStates: Record<string, (reason?: string) => string> = {
  downloading: () => 'downloading',
  verifying: () => 'verifying signatures',
  applying: () => 'applying (swap, then probe)',
  healthy: () => 'healthy',
  rolled_back: (reason) => `rolled back${reason ? `: ${reason}` : ''}`,
  failed: (reason) => `FAILED${reason ? `: ${reason}` : ''}`,
};

// A revert assignment (abort with `revert`) is reported like an update, under revertAssignmentId.
const revertStates: Record<string, (reason?: string, artifact?: string) => string> = {
  downloading: () => 'reverting: downloading',
  verifying: () => 'reverting: verifying',
  applying: () => 'reverting: applying (swap back, then probe)',
  healthy: (reason, artifact) =>
    reason ? `reverted: ${reason}` : `reverted${artifact ? ` from ${artifact}` : ''} to its previous version`,
  rolled_back: (reason) => `revert rolled back${reason ? `: ${reason}` : ''}`,
  failed: (reason) => `revert FAILED${reason ? `: ${reason}` : ''}`,
};

/** The lines `end` adds about the reverts: the outcome, and the offline devices that revert when they return. */
function revertEndLines(r: z.infer<typeof RevertEnd>, nameOf: NameOf): string[] {
  const lines = [
    `reverts: ${r.reverted} reverted, ${r.failed} failed${r.decommissioned ? `, ${r.decommissioned} decommissioned before reverting` : ''}${r.offline ? `, ${r.offline} pending on offline devices` : ''}`,
  ];
  if (r.offline)
    lines.push(
      `pending until they return: ${r.offlineDeviceIds.map(nameOf).join(', ')}${r.offline > r.offlineDeviceIds.length ? ` and ${r.offline - r.offlineDeviceIds.length} more` : ''}`,
    );
  return lines;
}

/** How a device is called in a line: its name when the stream told it, else its id. */
export type NameOf = (deviceId: string) => string;

/** The first 20 devices by name and how many more: a chunk of a large wave holds hundreds. */
function named(deviceIds: string[], nameOf: NameOf): string {
  const more = deviceIds.length > 20 ? ` and ${deviceIds.length - 20} more` : '';
  return deviceIds.slice(0, 20).map(nameOf).join(', ') + more;
}

function describeRolloutEvent(e: RolloutEvent, nameOf: NameOf): string | undefined {
  switch (e.type) {
    case 'RolloutCreated':
      return `created: ${e.data.artifact.name}@${e.data.artifact.version} to ${e.data.deviceCount} devices, waves ${e.data.strategy.waves.map((w) => `${w.percent}%${w.gate === 'manual' ? ' (manual)' : ''}`).join(', ')}`;
    case 'WaveStarted':
      // version 1 listed the wave's first devices; since, they follow as `DevicesAssigned` chunks
      if (!e.data.deviceIds) return `wave ${e.data.wave + 1} started`;
      return `wave ${e.data.wave + 1} started: ${e.data.deviceIds.length} devices (${named(e.data.deviceIds, nameOf)})`;
    case 'DevicesAssigned':
      return `wave ${e.data.wave + 1}: ${e.data.deviceIds.length} devices assigned (${named(e.data.deviceIds, nameOf)})`;
    case 'DeviceTimedOut':
      return `${nameOf(e.data.deviceId)}  FAILED: timeout (no outcome by ${clock(e.data.deadline)})`;
    case 'DeviceRevertTimedOut':
      return `${nameOf(e.data.deviceId)}  revert FAILED: timeout (no outcome of its revert by ${clock(e.data.deadline)})`;
    case 'LateDeviceReportRecorded':
      return `${nameOf(e.data.deviceId)}  reported ${e.data.state} after its timeout (the outcome stays failed)`;
    case 'DeviceReachabilityNoted':
      return `${nameOf(e.data.deviceId)}  ${e.data.reachable ? 'reachable again' : 'unreachable (keeps its assignment, blocks no wave)'}`;
    case 'WaveAwaitingApproval':
      return `wave ${e.data.wave + 1} waits for approval: keelson rollout approve ${e.data.rolloutId}`;
    case 'WaveApproved':
      return `wave ${e.data.wave + 1} approved`;
    case 'DeviceOutcomeRecorded':
      return undefined; // the device's own report already said it
    case 'RolloutHalted':
      return `HALTED${e.data.automatic ? ' (halt rule)' : ''}: ${e.data.reason}`;
    case 'RolloutResumed':
      return 'resumed';
    case 'RolloutAborted':
      return `aborted (${e.data.mode === 'revert' ? 'devices revert to their previous version' : 'devices keep what they run'})`;
    case 'RolloutFinished':
      return `finished: ${e.data.outcome}`;
  }
}

/**
 * The lines one SSE message adds to `rollout watch`, and whether it ended the rollout; `artifact`
 * (`name@version`, from the snapshot) names what a revert goes back from.
 */
export function watchLines(message: SseMessage, nameOf: NameOf = (id) => id, artifact?: string): { lines: string[]; end?: WatchEnd } {
  if (message.event === 'snapshot') {
    const view = orchestrator.RolloutView.safeParse(message.data);
    if (!view.success) return { lines: [] };
    const v = view.data;
    return {
      lines: [
        `rollout ${v.rolloutId}: ${v.artifact.name}@${v.artifact.version}, ${v.deviceCount ?? v.devices.length} devices, ${v.status}`,
      ],
    };
  }
  if (message.event === 'rollout' || message.event === 'device') {
    const fed = Fed.safeParse(message.data);
    if (!fed.success) return { lines: [] };
    if (message.event === 'device') {
      const report = DeviceReportedProgress.safeParse(fed.data.event);
      if (!report.success) return { lines: [] };
      const { deviceId, rolloutId, assignmentId, state, reason, steps, reportedAt } = report.data.data;
      const text =
        assignmentId === revertAssignmentId(rolloutId, deviceId) ? revertStates[state]!(reason, artifact) : deviceStates[state]!(reason);
      const took = steps ? stepDurations(steps, reportedAt) : '';
      return { lines: [`${clock(fed.data.time)}  ${nameOf(deviceId)}  ${text}${took ? `  (${took})` : ''}`] };
    }
    let line: string | undefined;
    try {
      line = describeRolloutEvent(rolloutEvents.parse(fed.data.event), nameOf);
    } catch {
      line = undefined; // an event this CLI does not know yet: the snapshot and the end still tell the story
    }
    return { lines: line ? [`${clock(fed.data.time)}  ${line}`] : [] };
  }
  if (message.event === 'progress') {
    const fed = Progress.safeParse(message.data);
    if (!fed.success) return { lines: [] };
    const { deviceId, rolloutId, assignmentId, state } = fed.data.event.data;
    const text =
      assignmentId === revertAssignmentId(rolloutId, deviceId) ? revertStates[state]!(undefined, artifact) : deviceStates[state]!();
    return { lines: [`${clock(fed.data.time)}  ${nameOf(deviceId)}  ${text}`] };
  }
  if (message.event === 'end') {
    const end = End.safeParse(message.data);
    if (!end.success) return { lines: [] };
    return {
      lines: [...(end.data.reverts ? revertEndLines(end.data.reverts, nameOf) : []), `rollout ${end.data.status}`],
      end: end.data.status,
    };
  }
  return { lines: [] };
}
