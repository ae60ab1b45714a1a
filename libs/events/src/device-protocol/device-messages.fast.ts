import { stepTimesOf, deviceStates } from '../device/device-events.fast.js';
import {
  dataOf,
  inOrder,
  isIsoTime,
  isReason,
  isToken,
  isTraceparent,
  strictFields,
  type FastPath,
  type Fields,
} from '../kit/fast-path.js';
import { assignmentsOf, maxAssignments } from '../rollout/assignment.fast.js';
import type { DesiredState, DeviceProgress, DeviceReport } from './device-messages.js';

const stepStates: ReadonlySet<unknown> = new Set(['downloading', 'verifying', 'applying']);
const progressKeys = ['deviceId', 'assignmentId', 'rolloutId', 'state', 'sentAt', 'traceparent'];
const progressKeySet: ReadonlySet<string> = new Set(progressKeys);

/** `DeviceProgress` v1 without zod when it is valid (see `kit/fast-path.ts`): three per device update reach the gateway. */
export const fastDeviceProgress: FastPath<DeviceProgress> = (raw) => {
  const d = dataOf(raw, 'DeviceProgress', 1, progressKeySet);
  if (
    !d ||
    !isToken(d['deviceId']) ||
    !isToken(d['assignmentId']) ||
    !isToken(d['rolloutId']) ||
    !stepStates.has(d['state']) ||
    !isIsoTime(d['sentAt'])
  )
    return undefined;
  if ('traceparent' in d && !isTraceparent(d['traceparent'])) return undefined;
  return { type: 'DeviceProgress', schemaVersion: 1, data: inOrder(d, progressKeys) } as DeviceProgress;
};

const reportKeys = ['deviceId', 'assignmentId', 'rolloutId', 'state', 'reason', 'sentAt', 'steps', 'installed', 'traceparent'];
const reportKeySet: ReadonlySet<string> = new Set(reportKeys);
const artifactKeys = ['name', 'version', 'sha256'];
const artifactKeySet: ReadonlySet<string> = new Set(artifactKeys);
export const artifactName = /^[a-z0-9][a-z0-9._-]{0,99}$/;
export const semverLike = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;
const sha256Hex = /^[0-9a-f]{64}$/;

/** `InstalledArtifact[]` (at most 100) when sure it is valid, or undefined. */
function installedOf(raw: unknown): Fields[] | undefined {
  if (!Array.isArray(raw) || raw.length > 100) return undefined;
  const out: Fields[] = [];
  for (const item of raw) {
    const a = strictFields(item, artifactKeySet);
    if (!a || typeof a['name'] !== 'string' || !artifactName.test(a['name'])) return undefined;
    if (
      typeof a['version'] !== 'string' ||
      !semverLike.test(a['version']) ||
      typeof a['sha256'] !== 'string' ||
      !sha256Hex.test(a['sha256'])
    )
      return undefined;
    out.push(inOrder(a, artifactKeys));
  }
  return out.length === raw.length ? out : undefined;
}

/** `DeviceReport` v2 without zod when it is valid (see `kit/fast-path.ts`): one per device update reaches the gateway. */
export const fastDeviceReport: FastPath<DeviceReport> = (raw) => {
  const d = dataOf(raw, 'DeviceReport', 2, reportKeySet);
  if (!d || !isToken(d['deviceId']) || !isToken(d['assignmentId']) || !isToken(d['rolloutId']) || !deviceStates.has(d['state']))
    return undefined;
  if (!isIsoTime(d['sentAt']) || ('reason' in d && !isReason(d['reason'])) || ('traceparent' in d && !isTraceparent(d['traceparent'])))
    return undefined;
  const data = inOrder(d, reportKeys);
  if ('steps' in d && !(data['steps'] = stepTimesOf(d['steps']))) return undefined;
  if ('installed' in d && !(data['installed'] = installedOf(d['installed']))) return undefined;
  return { type: 'DeviceReport', schemaVersion: 2, data } as DeviceReport;
};

const desiredKeys = ['deviceId', 'generation', 'assignments', 'traceparent'];
const desiredKeySet: ReadonlySet<string> = new Set(desiredKeys);

/** `DesiredState` v1 without zod when it is valid (see `kit/fast-path.ts`): one per device update reaches the agent. */
export const fastDesiredState: FastPath<DesiredState> = (raw) => {
  const d = dataOf(raw, 'DesiredState', 1, desiredKeySet);
  if (!d || !isToken(d['deviceId']) || !Number.isSafeInteger(d['generation']) || (d['generation'] as number) < 0) return undefined;
  if ('traceparent' in d && !isTraceparent(d['traceparent'])) return undefined;
  const assignments = assignmentsOf(d['assignments'], maxAssignments);
  return assignments && ({ type: 'DesiredState', schemaVersion: 1, data: inOrder({ ...d, assignments }, desiredKeys) } as DesiredState);
};
