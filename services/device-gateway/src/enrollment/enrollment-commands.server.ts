import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { gateway } from '@keelson/commands';
import { NotFound, RuleViolation } from '@keelson/domain-kit';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import { Devices } from '../devices/devices.js';
import { CLOCK, handlerFor, NATS, SERVICE_CONFIG, serveCommands, type Clock, type ServiceConfig } from '@keelson/service-kit';
import { EnrollmentTokens } from './enrollment-tokens.js';
import { RefusalLog } from './refusal-log.js';
import { revokeEnrollmentToken } from './revoke-enrollment-token.contract.js';

/** Serves the enrollment-token commands (`cmd.gateway.issue-enrollment-token`, `...issue-reenrollment-token`, `...revoke-enrollment-token`) and runs the refusal log's summaries. */
@Injectable()
export class EnrollmentCommandsServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscriptions: Subscription[] = [];
  private readonly logger = new Logger('enrollment-commands');
  private readonly devices: Devices;

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(EnrollmentTokens) private readonly tokens: EnrollmentTokens,
    @Inject(RefusalLog) private readonly refusals: RefusalLog,
  ) {
    this.devices = new Devices(new EventStore<DeviceEvent>({ nc, naming: config.naming, stream: eventStreams.gateway, parse: parseDeviceEvent }));
  }

  // Only a device that is enrolled and not retired may be enrolled again.
  private async assertActive(fleet: string, deviceId: string): Promise<void> {
    const device = await this.devices.current(fleet, deviceId);
    if (device.status === 'absent') throw new NotFound('device', deviceId);
    if (device.status === 'decommissioned') throw new RuleViolation('device.decommissioned', `device '${deviceId}' is decommissioned`);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.refusals.start();
    this.subscriptions = serveCommands(
      this.nc,
      this.config.naming,
      [
        handlerFor(gateway.issueEnrollmentToken, (input, ctx) => this.tokens.issue(input, ctx, this.clock.now())),
        handlerFor(gateway.issueReenrollmentToken, async (input, ctx) => {
          await this.assertActive(input.fleet, input.deviceId);
          return this.tokens.issueReenrollment(input, ctx, this.clock.now());
        }),
        handlerFor(revokeEnrollmentToken, async (input, ctx) => {
          await this.tokens.revoke(input.fleet, input.tokenId, ctx);
          return { revoked: true as const };
        }),
      ],
      { onError: (err, subject) => this.logger.error(`${subject}: ${err instanceof Error ? err.message : String(err)}`) },
    );
    await this.nc.flush(); // the subscriptions are registered before the service says it is listening
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain()));
    await this.refusals.stop(); // the last summaries
  }
}
