import { z } from 'zod';

/**
 * Where a device is with one assignment (spec: Rollouts, device states): `downloading`,
 * `verifying` and `applying` on the way, then one terminal state.
 */
export const DeviceState = z.enum(['downloading', 'verifying', 'applying', 'healthy', 'rolled_back', 'failed']);
export type DeviceState = z.infer<typeof DeviceState>;

/** The states a device ends an assignment in: it kept the update, rolled itself back, or could not recover. */
export const TerminalDeviceState = DeviceState.extract(['healthy', 'rolled_back', 'failed']);
export type TerminalDeviceState = z.infer<typeof TerminalDeviceState>;

/** True once the device is done with the assignment; a rollout finishes when every live device is. */
export function isTerminalDeviceState(state: DeviceState): state is TerminalDeviceState {
  return TerminalDeviceState.safeParse(state).success;
}
