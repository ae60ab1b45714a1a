import { deviceStates } from '../device/device-events.fast.js';
import type { DeviceState, TerminalDeviceState } from '../device/device-state.js';
import type { RenewResponse } from './certificate-renewal.js';
import { fastDesiredState } from './device-messages.fast.js';
import type { DesiredState } from './device-messages.js';

// `@keelson/events/device-protocol`: what the agent needs of the device protocol, without the
// platform's event schemas and without zod on the common path. Types cost nothing at run time; the
// readers take a valid message by hand (the fast paths the gateway uses too) and load the zod
// schemas only for a message they cannot vouch for, so refusals keep zod's issues. An idle agent
// holds none of it (bench/agent-footprint).

export type { DesiredState, DeviceHello, DeviceMessage, DeviceProgress, DeviceReport, InstalledArtifact } from './device-messages.js';
export type { DeviceMetrics } from './device-metrics.js';
export { maxDeviceMetricsBytes, maxMetricsPerWindow, maxSketchBins } from './device-metrics-limits.js';
export type { RenewRequest, RenewResponse } from './certificate-renewal.js';
export type { DeviceState, StepDeviceState, StepTimes, TerminalDeviceState } from '../device/device-state.js';
export type { ArtifactRef, Assignment } from '../rollout/assignment.js';
export type { Probe } from '../rollout/probe.js';
export { renewalProofMessage } from './renewal-proof.js';
export { maxAssignments, assignmentsOf } from '../rollout/assignment.fast.js';
export { stepTimesOf } from '../device/device-events.fast.js';
export { inOrder, isReason, isTraceparent, strictFields, type Fields } from '../kit/fast-path.js';

const terminalStates: ReadonlySet<unknown> = new Set(['healthy', 'rolled_back', 'failed']);

/** True once the device is done with the assignment (the same rule as `isTerminalDeviceState` of the full entry). */
export function isTerminalDeviceState(state: DeviceState): state is TerminalDeviceState {
  return terminalStates.has(state);
}

/** True for any of the six device states. */
export const isDeviceState = (state: unknown): state is DeviceState => deviceStates.has(state);

/**
 * Reads `keelson/cmd/<device>/desired`: a DesiredState, or throws `InvalidInput` (`message.*`). A
 * message the strict hand check cannot vouch for (a malformed one, or one from a newer platform with
 * fields this agent does not know) goes to the tolerant zod reader of `device-side-reading.ts`,
 * loaded only then: unknown fields are dropped, known ones keep their rules.
 */
export async function readDesiredState(raw: unknown): Promise<DesiredState> {
  const fast = fastDesiredState(raw);
  if (fast) return fast;
  const { parseMessageOnDevice } = await import('./device-side-reading.js');
  return parseMessageOnDevice(raw);
}

/** Reads the gateway's answer to a renewal (tolerantly: fields may be added); throws zod's error when it does not fit. */
export async function readRenewResponse(raw: unknown): Promise<RenewResponse> {
  const { RenewResponse } = await import('./certificate-renewal.js');
  return RenewResponse.parse(raw);
}
