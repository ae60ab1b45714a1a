import type { ServerResponse } from 'node:http';
import { Controller, Get, Inject, Logger, Param, Query, Res } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { orchestrator } from '@keelson/commands';
import { NATS, SERVICE_CONFIG, type ServiceConfig } from '@keelson/service-kit';
import { API_CONFIG, type ApiConfig } from '../api-config.js';
import { OperatorCommands } from '../http/operator-commands.js';
import { FleetQuery, parseParams, parseQuery } from '../http/request.schemas.js';
import { streamRollout } from './rollout-live-stream.js';
import { RolloutParams } from './rollout.schemas.js';

/** `GET /v1/rollouts/{id}/events`: the live SSE stream of one rollout. */
@Controller('v1/rollouts')
export class RolloutEventsController {
  private readonly logger = new Logger('rollout-events');

  constructor(
    @Inject(OperatorCommands) private readonly commands: OperatorCommands,
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(API_CONFIG) private readonly api: ApiConfig,
  ) {}

  @Get(':id/events')
  async events(@Query() query: unknown, @Param() params: unknown, @Res() res: ServerResponse): Promise<void> {
    const { fleet } = parseQuery(FleetQuery, query);
    const { id } = parseParams(RolloutParams, params);
    // Before a byte is streamed, so an unknown rollout is a plain 404.
    const view = await this.commands.call(orchestrator.getRollout, { fleet, rolloutId: id });
    await streamRollout(view, res, { nc: this.nc, naming: this.config.naming, heartbeatMs: this.api.sseHeartbeatMs, logger: this.logger });
  }
}
