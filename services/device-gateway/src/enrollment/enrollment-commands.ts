import { gateway } from '@keelson/commands';
import { NotFound, RuleViolation } from '@keelson/domain-kit';
import { handlerFor, type Clock, type CommandHandler } from '@keelson/service-kit';
import type { Devices } from '../devices/devices.js';
import type { EnrollmentTokens } from './enrollment-tokens.js';
import { revokeEnrollmentToken } from './revoke-enrollment-token.contract.js';

export interface EnrollmentCommandsParts {
  tokens: EnrollmentTokens;
  devices: Devices;
  clock: Clock;
}

/** The enrollment-token commands: `cmd.gateway.issue-enrollment-token`, `...issue-reenrollment-token`, `...revoke-enrollment-token`. */
export function enrollmentCommands({ tokens, devices, clock }: EnrollmentCommandsParts): CommandHandler[] {
  // Only a device that is enrolled and not retired may be enrolled again.
  const assertActive = async (fleet: string, deviceId: string): Promise<void> => {
    const device = await devices.current(fleet, deviceId);
    if (device.status === 'absent') throw new NotFound('device', deviceId);
    if (device.status === 'decommissioned') throw new RuleViolation('device.decommissioned', `device '${deviceId}' is decommissioned`);
  };
  return [
    handlerFor(gateway.issueEnrollmentToken, (input, ctx) => tokens.issue(input, ctx, clock.now())),
    handlerFor(gateway.issueReenrollmentToken, async (input, ctx) => {
      await assertActive(input.fleet, input.deviceId);
      return tokens.issueReenrollment(input, ctx, clock.now());
    }),
    handlerFor(revokeEnrollmentToken, async (input, ctx) => {
      await tokens.revoke(input.fleet, input.tokenId, ctx);
      return { revoked: true as const };
    }),
  ];
}
