import { Controller, Inject } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { gateway } from '@keelson/requests';
import { NotFound, RuleViolation } from '@keelson/domain-kit';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import {
  type Clock,
  CLOCK,
  type RequestContext,
  type RequestIn,
  type RequestOut,
  RequestPattern,
  NATS,
  SERVICE_CONFIG,
  type ServiceConfig,
} from '@keelson/service-kit';
import { Devices } from '../devices/devices.js';
import { EnrollmentTokens } from './enrollment-tokens.js';
import { revokeEnrollmentToken } from './revoke-enrollment-token.contract.js';

/** The enrollment-token requests: `cmd.gateway.issue-enrollment-token`, `...issue-reenrollment-token`, `...revoke-enrollment-token`. */
@Controller()
export class EnrollmentRequests {
  private readonly devices: Devices;

  constructor(
    @Inject(NATS) nc: NatsConnection,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(EnrollmentTokens) private readonly tokens: EnrollmentTokens,
  ) {
    this.devices = new Devices(
      new EventStore<DeviceEvent>({ nc, naming: config.naming, stream: eventStreams.gateway, parse: parseDeviceEvent }),
    );
  }

  @RequestPattern(gateway.issueEnrollmentToken)
  issue(input: RequestIn<typeof gateway.issueEnrollmentToken>, ctx: RequestContext): RequestOut<typeof gateway.issueEnrollmentToken> {
    return this.tokens.issue(input, ctx, this.clock.now());
  }

  /** Only a device that is enrolled and not retired may be enrolled again. */
  @RequestPattern(gateway.issueReenrollmentToken)
  async issueReenrollment(
    input: RequestIn<typeof gateway.issueReenrollmentToken>,
    ctx: RequestContext,
  ): RequestOut<typeof gateway.issueReenrollmentToken> {
    const device = await this.devices.current(input.fleet, input.deviceId);
    if (device.status === 'absent') throw new NotFound('device', input.deviceId);
    if (device.status === 'decommissioned')
      throw new RuleViolation('device.decommissioned', `device '${input.deviceId}' is decommissioned`);
    return this.tokens.issueReenrollment(input, ctx, this.clock.now());
  }

  @RequestPattern(revokeEnrollmentToken)
  async revoke(input: RequestIn<typeof revokeEnrollmentToken>, ctx: RequestContext): RequestOut<typeof revokeEnrollmentToken> {
    await this.tokens.revoke(input.fleet, input.tokenId, ctx);
    return { revoked: true as const };
  }
}
