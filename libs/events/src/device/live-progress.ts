import { z } from 'zod';
import { defineMessage } from '../kit/define-message.js';
import { IsoTime, SubjectToken } from '../kit/tokens.js';
import { StepDeviceState } from './device-state.js';

/**
 * A step a device entered (`downloading`, `verifying`, `applying`), relayed live by the gateway to
 * whoever watches the rollout. Not an event: it is never stored, and a watcher that joins later
 * reads the step times from the device's outcome (`DeviceReportedProgress.steps`) instead.
 */
export const LiveDeviceProgress = defineMessage('LiveDeviceProgress', 1, {
  fleet: SubjectToken,
  deviceId: SubjectToken,
  assignmentId: SubjectToken,
  rolloutId: SubjectToken,
  state: StepDeviceState,
  reportedAt: IsoTime,
});
export type LiveDeviceProgress = z.infer<typeof LiveDeviceProgress>;

/** Where the gateway publishes the live steps of one rollout's devices (core NATS, at most once). */
export function liveProgressSubject(subjectPrefix: string, fleet: string, rolloutId: string): string {
  return `${subjectPrefix}live.device-progress.${fleet}.${rolloutId}`;
}
