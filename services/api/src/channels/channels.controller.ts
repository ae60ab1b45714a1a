import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { orchestrator } from '@keelson/requests';
import { OperatorRequests } from '../http/operator-requests.js';
import { FleetQuery, parseBody, parseParams, parseQuery } from '../http/request.schemas.js';
import { ChannelParams, ChannelsParams, SetChannelRequest } from './channel.schemas.js';

/** Release channels per artifact name, owned by the orchestrator; promoting a rollout is a rollout route. */
@Controller('v1/channels')
export class ChannelsController {
  constructor(@Inject(OperatorRequests) private readonly requests: OperatorRequests) {}

  @Get(':artifact')
  list(@Query() query: unknown, @Param() params: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const { artifact } = parseParams(ChannelsParams, params);
    return this.requests.call(orchestrator.listChannels, { fleet, artifactName: artifact });
  }

  @Post(':artifact/:channel')
  @HttpCode(200)
  set(@Query() query: unknown, @Param() params: unknown, @Body() body: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const { artifact, channel } = parseParams(ChannelParams, params);
    const { version, reason } = parseBody(SetChannelRequest, body);
    return this.requests.call(orchestrator.setChannel, { fleet, artifactName: artifact, channel, version, reason });
  }
}
