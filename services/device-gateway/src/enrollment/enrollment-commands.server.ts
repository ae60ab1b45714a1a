import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { gateway } from '@keelson/commands';
import { CLOCK, handlerFor, NATS, SERVICE_CONFIG, serveCommands, type Clock, type ServiceConfig } from '@keelson/service-kit';
import { EnrollmentTokens } from './enrollment-tokens.js';
import { RefusalLog } from './refusal-log.js';
import { revokeEnrollmentToken } from './revoke-enrollment-token.contract.js';

/** Serves the enrollment-token commands (`cmd.gateway.issue-enrollment-token`, `...revoke-enrollment-token`) and runs the refusal log's summaries. */
@Injectable()
export class EnrollmentCommandsServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscriptions: Subscription[] = [];
  private readonly logger = new Logger('enrollment-commands');

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(EnrollmentTokens) private readonly tokens: EnrollmentTokens,
    @Inject(RefusalLog) private readonly refusals: RefusalLog,
  ) {}

  onApplicationBootstrap(): void {
    this.refusals.start();
    this.subscriptions = serveCommands(
      this.nc,
      this.config.naming,
      [
        handlerFor(gateway.issueEnrollmentToken, (input, ctx) => this.tokens.issue(input, ctx, this.clock.now())),
        handlerFor(revokeEnrollmentToken, async (input, ctx) => {
          await this.tokens.revoke(input.fleet, input.tokenId, ctx);
          return { revoked: true as const };
        }),
      ],
      { onError: (err, subject) => this.logger.error(`${subject}: ${err instanceof Error ? err.message : String(err)}`) },
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain()));
    await this.refusals.stop(); // the last summaries
  }
}
