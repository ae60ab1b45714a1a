import type { gateway } from '@keelson/requests';
import { print, table, type Action } from '../action.js';
import { findDevice } from './device-lookup.js';

const orNone = (items: string[]) => (items.length ? items.join(', ') : '-');

/** The human view of one device: identity and health first, then what it runs and what it is asked to run. */
export function describeDevice(d: gateway.DeviceView): string[] {
  const hardware = [
    d.hardware.architecture,
    d.hardware.accelerator,
    d.hardware.memoryMb === undefined ? undefined : `${d.hardware.memoryMb} MB`,
  ];
  return [
    `device ${d.deviceId} (${d.name}), fleet ${d.fleet}`,
    `status     ${d.status}`,
    `reachable  ${d.reachable ? 'yes' : 'no'}`,
    `last seen  ${d.lastSeenAt ?? 'never'}`,
    `enrolled   ${d.enrolledAt}`,
    `certificate expires ${d.certificateExpiresAt ?? 'unknown (enrolled before Keelson recorded it)'}`,
    `labels     ${orNone(Object.entries(d.labels).map(([k, v]) => `${k}=${v}`))}`,
    `hardware   ${orNone(hardware.filter((h) => h !== undefined))}`,
    `installed  ${orNone(d.installed.map((i) => `${i.name}@${i.version}`))}`,
    `desired state generation ${d.desiredGeneration}`,
    ...(d.assignments.length
      ? [
          '',
          ...table([
            ['ROLLOUT', 'ASSIGNMENT', 'STATE', 'REPORTED', 'REASON'],
            ...d.assignments.map((a) => [a.rolloutId, a.assignmentId, a.state ?? '-', a.reportedAt ?? '-', a.reason ?? '']),
          ]),
        ]
      : ['no rollout assignments']),
  ];
}

/** `device show <id|name>`: one device in full; a name two devices share is refused (give the id). */
export const deviceShow: Action = {
  usage: 'device show <id|name>',
  args: ['id'],
  options: {},
  async run(ctx) {
    const device = await findDevice(ctx, ctx.positionals[0]!);
    print(ctx, device, () => describeDevice(device));
    return 0;
  },
};
