import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { orchestrator } from '@keelson/requests';
import { groupIdOf } from '../http/group-id-of.js';
import { OperatorRequests } from '../http/operator-requests.js';
import { FleetQuery, parseBody, parseParams, parseQuery } from '../http/request.schemas.js';
import {
  AbortRequest,
  ApproveRequest,
  artifactRefOf,
  CreateRolloutRequest,
  HaltRequest,
  PromoteRequest,
  RetryRequest,
  RolloutListQuery,
  RolloutParams,
} from './rollout.schemas.js';

/** Rollouts, owned by the orchestrator; every route answers with the RolloutView. */
@Controller('v1/rollouts')
export class RolloutsController {
  constructor(@Inject(OperatorRequests) private readonly requests: OperatorRequests) {}

  @Post()
  @HttpCode(201)
  async create(@Query() query: unknown, @Body() body: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const { artifact, group, devices, selector, probe, strategy, onMisfit, supersede } = parseBody(CreateRolloutRequest, body);
    const target =
      group !== undefined
        ? { groupId: await groupIdOf(this.requests, fleet, group) }
        : devices !== undefined
          ? { deviceNames: devices }
          : { selector };
    return this.requests.call(orchestrator.createRollout, {
      fleet,
      artifact: artifactRefOf(artifact),
      ...target,
      probe,
      strategy,
      onMisfit,
      supersede,
    });
  }

  @Post(':id/retry')
  @HttpCode(201)
  retry(@Query() query: unknown, @Param() params: unknown, @Body() body: unknown) {
    const { strategy, onMisfit } = parseBody(RetryRequest, body);
    return this.requests.call(orchestrator.retryRollout, { ...this.refOf(query, params), strategy, onMisfit });
  }

  @Post(':id/promote')
  @HttpCode(200)
  promote(@Query() query: unknown, @Param() params: unknown, @Body() body: unknown) {
    const { channel, reason } = parseBody(PromoteRequest, body);
    return this.requests.call(orchestrator.promoteRollout, { ...this.refOf(query, params), channel, reason });
  }

  @Get()
  list(@Query() query: unknown) {
    const { fleet, limit, cursor, status } = parseQuery(RolloutListQuery, query);
    return this.requests.call(orchestrator.listRollouts, { fleet, limit, cursor, status });
  }

  @Get(':id')
  get(@Query() query: unknown, @Param() params: unknown) {
    return this.requests.call(orchestrator.getRollout, this.refOf(query, params));
  }

  @Post(':id/approve')
  @HttpCode(200)
  approve(@Query() query: unknown, @Param() params: unknown, @Body() body: unknown) {
    const { wave } = parseBody(ApproveRequest, body);
    return this.requests.call(orchestrator.approveWave, { ...this.refOf(query, params), wave });
  }

  @Post(':id/halt')
  @HttpCode(200)
  halt(@Query() query: unknown, @Param() params: unknown, @Body() body: unknown) {
    const { reason } = parseBody(HaltRequest, body);
    return this.requests.call(orchestrator.haltRollout, { ...this.refOf(query, params), reason });
  }

  @Post(':id/resume')
  @HttpCode(200)
  resume(@Query() query: unknown, @Param() params: unknown) {
    return this.requests.call(orchestrator.resumeRollout, this.refOf(query, params));
  }

  @Post(':id/abort')
  @HttpCode(200)
  abort(@Query() query: unknown, @Param() params: unknown, @Body() body: unknown) {
    const { mode } = parseBody(AbortRequest, body);
    return this.requests.call(orchestrator.abortRollout, { ...this.refOf(query, params), mode });
  }

  private refOf(query: unknown, params: unknown): { fleet: string; rolloutId: string } {
    const { fleet } = parseQuery(FleetQuery, query);
    const { id } = parseParams(RolloutParams, params);
    return { fleet, rolloutId: id };
  }
}
