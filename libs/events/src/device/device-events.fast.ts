import { dataOf, inOrder, isIsoTime, isReason, isToken, strictFields, type FastPath, type Fields } from '../kit/fast-path.js';
import type { DeviceReportedProgress } from './device-events.js';

export const deviceStates: ReadonlySet<unknown> = new Set(['downloading', 'verifying', 'applying', 'healthy', 'rolled_back', 'failed']);
const progressKeys = ['fleet', 'deviceId', 'assignmentId', 'rolloutId', 'state', 'reason', 'reportedAt', 'steps'];
const progressKeySet: ReadonlySet<string> = new Set(progressKeys);
const stepKeys = ['downloading', 'verifying', 'applying'];
const stepKeySet: ReadonlySet<string> = new Set(stepKeys);

/** `StepTimes` when sure it is valid, or undefined. */
export function stepTimesOf(raw: unknown): Fields | undefined {
  const steps = strictFields(raw, stepKeySet);
  return steps && Object.values(steps).every(isIsoTime) ? inOrder(steps, stepKeys) : undefined;
}

/** `DeviceReportedProgress` v2 without zod when it is valid (see `kit/fast-path.ts`); a device update writes it and five consumers read it. */
export const fastDeviceReportedProgress: FastPath<DeviceReportedProgress> = (raw) => {
  const d = dataOf(raw, 'DeviceReportedProgress', 2, progressKeySet);
  if (!d || !isToken(d['fleet']) || !isToken(d['deviceId']) || !isToken(d['assignmentId']) || !isToken(d['rolloutId'])) return undefined;
  if (!deviceStates.has(d['state']) || !isIsoTime(d['reportedAt']) || ('reason' in d && !isReason(d['reason']))) return undefined;
  const data = inOrder(d, progressKeys);
  if ('steps' in d && !(data['steps'] = stepTimesOf(d['steps']))) return undefined;
  return { type: 'DeviceReportedProgress', schemaVersion: 2, data } as DeviceReportedProgress;
};
