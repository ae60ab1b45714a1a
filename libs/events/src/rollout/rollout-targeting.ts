import { z } from 'zod';
import { ChannelName } from '../channel/channel-events.js';
import { DeviceIds, DisplayName, Reason, SubjectToken } from '../kit/tokens.js';

/** A capability selector as an operator wrote it, e.g. `accelerator=jetson-orin, memoryMb>=8000`. */
export const SelectorText = z
  .string()
  .min(1)
  .max(500)
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

/** A device left out of a rollout at creation because it does not fit the artifact's hardware needs. */
export const DeviceMisfit = z.strictObject({ deviceId: SubjectToken, reason: Reason });
export type DeviceMisfit = z.infer<typeof DeviceMisfit>;

/**
 * A device the target named that was left out at creation because it is no longer an active device
 * of the fleet (a group keeps its decommissioned members): not a target, so it never hangs the rollout.
 */
export const InactiveDevice = z.strictObject({ deviceId: SubjectToken, reason: Reason });
export type InactiveDevice = z.infer<typeof InactiveDevice>;

/** Devices this rollout took over from an earlier active rollout of the same artifact name. */
export const SupersededRollout = z.strictObject({ rolloutId: SubjectToken, deviceIds: DeviceIds });
export type SupersededRollout = z.infer<typeof SupersededRollout>;

/**
 * How a rollout chose its devices, added to `RolloutCreated` v1 as optional fields (older events
 * name a group and nothing else): a group, device names or a selector, the channel its version came
 * from, the misfits and inactive devices left out, the rollouts it superseded, and the rollout it
 * retries. Recorded so the device set can be explained and reproduced.
 */
export const rolloutTargeting = {
  groupId: SubjectToken.optional(),
  deviceNames: z.array(DisplayName).min(1).max(10_000).optional(),
  selector: SelectorText.optional(),
  channel: ChannelName.optional(),
  misfits: z.array(DeviceMisfit).max(10_000).optional(),
  inactive: z.array(InactiveDevice).max(10_000).optional(),
  supersedes: z.array(SupersededRollout).max(100).optional(),
  supersedeReason: Reason.optional(),
  retryOf: SubjectToken.optional(),
};
