import { InvalidInput, RuleViolation } from '@keelson/domain-kit';
import type { DeviceMisfit, InactiveDevice, SupersededRollout } from '@keelson/events';
import { misfitReason } from '../../../targeting/hardware-fit.js';
import type { CreateRolloutRequest, RolloutTarget } from './create-rollout.js';

// Which of the named devices a new rollout may target: active ones, that fit the artifact, in no other rollout of it.

export const targetName = (r: RolloutTarget) =>
  r.groupId ? `group '${r.groupId}'` : r.selector ? `selector '${r.selector}'` : 'the named devices';

/**
 * A decommissioned device is no longer a live target: it leaves the accounting, so a retired device
 * never hangs a rollout (spec: Rollouts). Refused when nothing active is left.
 */
export function active(request: CreateRolloutRequest): { deviceIds: string[]; inactive: InactiveDevice[] } {
  const gone = new Set(request.inactive ?? []);
  if (gone.size === 0) return { deviceIds: request.deviceIds, inactive: [] }; // the usual case: no pass over the devices
  const deviceIds = request.deviceIds.filter((d) => !gone.has(d));
  const inactive = request.deviceIds.filter((d) => gone.has(d)).map((deviceId) => ({ deviceId, reason: 'decommissioned' }));
  if (deviceIds.length === 0) {
    const [code, path] = request.groupId ? ['group.no-active-devices', 'groupId'] : ['target.no-active-devices', 'target'];
    const shown =
      inactive
        .slice(0, 20)
        .map((d) => d.deviceId)
        .join(', ') + (inactive.length > 20 ? ` and ${inactive.length - 20} more` : '');
    throw new InvalidInput(code, [{ path: [path], message: `${targetName(request)} has no active devices (decommissioned: ${shown})` }]);
  }
  return { deviceIds, inactive };
}

/** Hardware fit (spec: Deploying a model): reject with a reason per device, or leave the misfits out and record them. */
export function fitting(request: CreateRolloutRequest, live: string[]): { deviceIds: string[]; misfits: DeviceMisfit[] } {
  const { hardwareNeeds: needs, hardware = {} } = request;
  if (!needs) return { deviceIds: live, misfits: [] };
  const misfits: DeviceMisfit[] = [];
  for (const deviceId of live) {
    const profile = hardware[deviceId];
    const reason = profile === undefined ? 'not an active device of the fleet' : misfitReason(needs, profile);
    if (reason !== null) misfits.push({ deviceId, reason });
  }
  if (misfits.length > 0 && request.onMisfit !== 'exclude') {
    throw new InvalidInput(
      'hardware.misfit',
      misfits.map((m) => ({ path: ['devices', m.deviceId], message: m.reason })),
    );
  }
  const misfit = new Set(misfits.map((m) => m.deviceId));
  const deviceIds = live.filter((d) => !misfit.has(d));
  if (deviceIds.length === 0)
    throw new InvalidInput('hardware.no-device-fits', [
      { path: ['target'], message: `no device of ${targetName(request)} fits ${request.artifact.name}@${request.artifact.version}` },
    ]);
  return { deviceIds, misfits };
}

/** One active rollout per device and artifact name: refuse, naming the rollouts in the way, unless told to supersede them. */
export function takenOver(request: CreateRolloutRequest, deviceIds: string[]): SupersededRollout[] {
  if (!request.conflicts?.length) return [];
  const targeted = new Set(deviceIds);
  const conflicts = (request.conflicts ?? [])
    .map((c) => ({ rolloutId: c.rolloutId, deviceIds: c.deviceIds.filter((d) => targeted.has(d)) }))
    .filter((c) => c.deviceIds.length > 0);
  if (conflicts.length === 0 || request.supersede) return conflicts;
  const ids = conflicts.map((c) => c.rolloutId).join(', ');
  const devices = [...new Set(conflicts.flatMap((c) => c.deviceIds))];
  const shown = devices.slice(0, 20).join(', ') + (devices.length > 20 ? ` and ${devices.length - 20} more` : '');
  throw new RuleViolation(
    'rollout.conflict',
    `device(s) ${shown} are in active rollout(s) ${ids} of ${request.artifact.name}; pass supersede with a reason to take them over`,
  );
}
