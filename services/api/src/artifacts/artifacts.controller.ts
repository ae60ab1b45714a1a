import type { IncomingMessage, ServerResponse } from 'node:http';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { registry } from '@keelson/requests';
import { OperatorRequests } from '../http/operator-requests.js';
import { FleetQuery, parseBody, parseParams, parseQuery } from '../http/request.schemas.js';
import { ArtifactUpload } from './artifact-upload.js';
import { ArtifactListQuery, ArtifactParams, PublishFromRegistryRequest } from './artifact.schemas.js';

/** Copying an image from a registry takes as long as its layers take to download. */
const registryCopyTimeoutMs = 15 * 60_000;

/** Artifacts: uploads go to the facade over HTTP, reads to the registry over NATS. */
@Controller('v1/artifacts')
export class ArtifactsController {
  constructor(
    @Inject(OperatorRequests) private readonly requests: OperatorRequests,
    @Inject(ArtifactUpload) private readonly upload: ArtifactUpload,
  ) {}

  @Post()
  async push(@Query() query: unknown, @Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    const { fleet } = parseQuery(FleetQuery, query);
    const outcome = await this.upload.forward(fleet, req);
    res.statusCode = outcome.status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(outcome.body));
  }

  @Post('from-registry')
  @HttpCode(201)
  publishFromRegistry(@Query() query: unknown, @Body() body: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    return this.requests.call(
      registry.publishFromRegistry,
      { fleet, ...parseBody(PublishFromRegistryRequest, body) },
      { timeoutMs: registryCopyTimeoutMs },
    );
  }

  @Get()
  list(@Query() query: unknown) {
    const { fleet, name, limit, cursor } = parseQuery(ArtifactListQuery, query);
    return this.requests.call(registry.listArtifacts, { fleet, name, limit, cursor });
  }

  @Get(':name/:version')
  get(@Query() query: unknown, @Param() params: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const { name, version } = parseParams(ArtifactParams, params);
    return this.requests.call(registry.getArtifact, { fleet, name, version });
  }
}
