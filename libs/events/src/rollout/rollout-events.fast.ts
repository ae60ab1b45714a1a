import { dataOf, inOrder, isReason, isToken, type FastPath } from '../kit/fast-path.js';
import type { DeviceOutcomeRecorded } from './rollout-events.js';

const terminalStates: ReadonlySet<unknown> = new Set(['healthy', 'rolled_back', 'failed']);
const outcomeKeys = ['fleet', 'rolloutId', 'deviceId', 'assignmentId', 'state', 'reason'];
const outcomeKeySet: ReadonlySet<string> = new Set(outcomeKeys);

/** `DeviceOutcomeRecorded` v1 without zod when it is valid (see `kit/fast-path.ts`): appended once per device update, read by four consumers. */
export const fastDeviceOutcomeRecorded: FastPath<DeviceOutcomeRecorded> = (raw) => {
  const d = dataOf(raw, 'DeviceOutcomeRecorded', 1, outcomeKeySet);
  if (!d || !isToken(d['fleet']) || !isToken(d['rolloutId']) || !isToken(d['deviceId']) || !isToken(d['assignmentId'])) return undefined;
  if (!terminalStates.has(d['state']) || ('reason' in d && !isReason(d['reason']))) return undefined;
  return { type: 'DeviceOutcomeRecorded', schemaVersion: 1, data: inOrder(d, outcomeKeys) } as DeviceOutcomeRecorded;
};
