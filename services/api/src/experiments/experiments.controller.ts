import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { orchestrator } from '@keelson/requests';
import { groupIdOf } from '../http/group-id-of.js';
import { OperatorRequests } from '../http/operator-requests.js';
import { FleetQuery, ListQuery, parseBody, parseParams, parseQuery } from '../http/request.schemas.js';
import {
  CreateExperimentRequest,
  DecideExperimentRequest,
  ExperimentParams,
  StopExperimentRequest,
  versionRefOf,
} from './experiment.schemas.js';

/** Experiments, owned by the orchestrator; every route but the list answers with the ExperimentView. */
@Controller('v1/experiments')
export class ExperimentsController {
  constructor(@Inject(OperatorRequests) private readonly requests: OperatorRequests) {}

  @Post()
  @HttpCode(201)
  async create(@Query() query: unknown, @Body() body: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const { candidate, baseline, group, guardrails, ...rest } = parseBody(CreateExperimentRequest, body);
    const groupId = await groupIdOf(this.requests, fleet, group);
    return this.requests.call(orchestrator.createExperiment, {
      fleet,
      candidate: versionRefOf(candidate),
      baseline: versionRefOf(baseline),
      groupId,
      guardrails: guardrails ?? [],
      ...rest,
    });
  }

  @Get()
  list(@Query() query: unknown) {
    const { fleet, limit, cursor } = parseQuery(ListQuery, query);
    return this.requests.call(orchestrator.listExperiments, { fleet, limit, cursor });
  }

  @Get(':id')
  get(@Query() query: unknown, @Param() params: unknown) {
    return this.requests.call(orchestrator.getExperiment, this.refOf(query, params));
  }

  /** The decision loop's looks, oldest first, a page at a time: what the console charts per arm. */
  @Get(':id/looks')
  looks(@Query() query: unknown, @Param() params: unknown) {
    const { fleet, limit, cursor } = parseQuery(ListQuery, query);
    const { id } = parseParams(ExperimentParams, params);
    return this.requests.call(orchestrator.listExperimentLooks, { fleet, experimentId: id, limit, cursor });
  }

  @Post(':id/decide')
  @HttpCode(200)
  decide(@Query() query: unknown, @Param() params: unknown, @Body() body: unknown) {
    const { outcome, reason } = parseBody(DecideExperimentRequest, body);
    return this.requests.call(orchestrator.decideExperiment, { ...this.refOf(query, params), outcome, reason });
  }

  @Post(':id/stop')
  @HttpCode(200)
  stop(@Query() query: unknown, @Param() params: unknown, @Body() body: unknown) {
    const { reason } = parseBody(StopExperimentRequest, body ?? {});
    return this.requests.call(orchestrator.stopExperiment, { ...this.refOf(query, params), reason });
  }

  private refOf(query: unknown, params: unknown): { fleet: string; experimentId: string } {
    const { fleet } = parseQuery(FleetQuery, query);
    const { id } = parseParams(ExperimentParams, params);
    return { fleet, experimentId: id };
  }
}
