import type { ServerResponse } from 'node:http';
import { Controller, Get, Inject, Logger, Param, Query, Res, type BeforeApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { gateway, orchestrator } from '@keelson/requests';
import { NotFound } from '@keelson/domain-kit';
import { NATS, SERVICE_CONFIG, type ServiceConfig } from '@keelson/service-kit';
import { API_CONFIG, type ApiConfig } from '../api-config.js';
import { OpenStreams } from '../http/open-streams.js';
import { OperatorRequests } from '../http/operator-requests.js';
import { FleetQuery, parseParams, parseQuery } from '../http/request.schemas.js';
import type { Presence } from './revert-tally.js';
import { streamRollout } from './rollout-live-stream.js';
import { RolloutParams } from './rollout.schemas.js';

/** `GET /v1/rollouts/{id}/events`: the live SSE stream of one rollout. */
@Controller('v1/rollouts')
export class RolloutEventsController implements BeforeApplicationShutdown {
  private readonly logger = new Logger('rollout-events');
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
    const { id } = parseParams(RolloutParams, params);
    // Before a byte is streamed, so an unknown rollout is a plain 404.
    const view = await this.requests.call(orchestrator.getRollout, { fleet, rolloutId: id });
    const names = await this.namesOf(
      fleet,
      view.devices.map((d) => d.deviceId),
    );
    const presenceOf = (deviceIds: string[]) => this.presenceOf(fleet, deviceIds);
    await this.streams.hold(res, () =>
      streamRollout(view, res, {
        names,
        presenceOf,
        nc: this.nc,
        naming: this.config.naming,
        heartbeatMs: this.api.sseHeartbeatMs,
        logger: this.logger,
      }),
    );
  }

  /** Names of the devices still enrolled (a retired device is shown by its id), a page at a time. */
  private async namesOf(fleet: string, deviceIds: string[]): Promise<Record<string, string>> {
    const names: Record<string, string> = {};
    for (let i = 0; i < deviceIds.length; i += 10_000) {
      let cursor: string | undefined;
      do {
        const page = await this.requests.call(gateway.findDevices, {
          fleet,
          deviceIds: deviceIds.slice(i, i + 10_000),
          limit: 1000,
          ...(cursor ? { cursor } : {}),
        });
        for (const d of page.items) names[d.deviceId] = d.name;
        cursor = page.nextCursor;
      } while (cursor);
    }
    return names;
  }

  /** Reachability of devices the stream heard nothing from, a few requests at a time; an unknown device is gone. */
  private async presenceOf(fleet: string, deviceIds: string[]): Promise<Record<string, Presence>> {
    const presence: Record<string, Presence> = {};
    const queue = [...deviceIds];
    const worker = async () => {
      for (let deviceId = queue.shift(); deviceId !== undefined; deviceId = queue.shift()) {
        try {
          const device = await this.requests.call(gateway.getDevice, { fleet, deviceId });
          presence[deviceId] = device.status === 'decommissioned' ? 'decommissioned' : device.reachable ? 'reachable' : 'unreachable';
        } catch (err) {
          if (!(err instanceof NotFound)) throw err;
          presence[deviceId] = 'decommissioned';
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, deviceIds.length) }, worker));
    return presence;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.streams.endAll();
  }
}
