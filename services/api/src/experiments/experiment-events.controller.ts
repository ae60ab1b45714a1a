import type { ServerResponse } from 'node:http';
import { Controller, Get, Inject, Param, Query, Res, type BeforeApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { orchestrator } from '@keelson/requests';
import { NATS, SERVICE_CONFIG, type ServiceConfig } from '@keelson/service-kit';
import { API_CONFIG, type ApiConfig } from '../api-config.js';
import { OpenStreams } from '../http/open-streams.js';
import { OperatorRequests } from '../http/operator-requests.js';
import { FleetQuery, parseParams, parseQuery } from '../http/request.schemas.js';
import { streamExperiment } from './experiment-live-stream.js';
import { ExperimentParams } from './experiment.schemas.js';

/** `GET /v1/experiments/{id}/events`: the live SSE stream of one experiment. */
@Controller('v1/experiments')
export class ExperimentEventsController implements BeforeApplicationShutdown {
  private readonly streams = new OpenStreams();

  constructor(
    @Inject(OperatorRequests) private readonly requests: OperatorRequests,
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(API_CONFIG) private readonly api: ApiConfig,
  ) {}

  @Get(':id/events')
  async events(@Query() query: unknown, @Param() params: unknown, @Res() res: ServerResponse): Promise<void> {
    const { fleet } = parseQuery(FleetQuery, query);
    const { id } = parseParams(ExperimentParams, params);
    // Before a byte is streamed, so an unknown experiment is a plain 404.
    const view = await this.requests.call(orchestrator.getExperiment, { fleet, experimentId: id });
    const lookOf = async () => (await this.requests.call(orchestrator.getExperiment, { fleet, experimentId: id })).lastLook;
    await this.streams.hold(res, () =>
      streamExperiment(view, res, { nc: this.nc, naming: this.config.naming, heartbeatMs: this.api.sseHeartbeatMs, lookOf }),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.streams.endAll();
  }
}
