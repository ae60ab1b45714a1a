import { z } from 'zod';
import { IsoTime } from '../kit/tokens.js';

/**
 * Where a device is with one assignment (spec: Rollouts, device states): `downloading`,
 * `verifying` and `applying` on the way, then one terminal state.
 */
export const DeviceState = z.enum(['downloading', 'verifying', 'applying', 'healthy', 'rolled_back', 'failed']);
export type DeviceState = z.infer<typeof DeviceState>;

/** The states a device ends an assignment in: it kept the update, rolled itself back, or could not recover. */
export const TerminalDeviceState = DeviceState.extract(['healthy', 'rolled_back', 'failed']);
export type TerminalDeviceState = z.infer<typeof TerminalDeviceState>;

/** The states on the way to an outcome: each is a step the device entered. */
export const StepDeviceState = DeviceState.extract(['downloading', 'verifying', 'applying']);
export type StepDeviceState = z.infer<typeof StepDeviceState>;

/**
 * When the device entered each step of an assignment, by its own clock. A terminal report carries
 * them, so the record keeps every device's step times while the steps themselves travel live only.
 * A step the device never reached (a failed download has no `applying`) is absent.
 */
export const StepTimes = z.strictObject({
  downloading: IsoTime.optional(),
  verifying: IsoTime.optional(),
  applying: IsoTime.optional(),
});
export type StepTimes = z.infer<typeof StepTimes>;

/** True once the device is done with the assignment; a rollout finishes when every live device is. */
export function isTerminalDeviceState(state: DeviceState): state is TerminalDeviceState {
  return TerminalDeviceState.safeParse(state).success;
}
