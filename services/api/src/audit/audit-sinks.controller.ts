import { Body, Controller, Delete, Get, HttpCode, Inject, Logger, Param, Post, Query } from '@nestjs/common';
import { audit } from '@keelson/requests';
import type { RequestContext } from '@keelson/service-kit';
import { OperatorRequests, operatorContext } from '../http/operator-requests.js';
import { AuditSinkRecords } from '../operators/audit-sink-records.js';
import { FleetQuery, parseBody, parseParams, parseQuery } from '../http/request.schemas.js';
import { AddAuditSinkRequest, AuditSinkParams } from './audit-sinks.schemas.js';

type SinkChangeKind = audit.SinkChange['kind'];

/**
 * The fleet's audit webhook sinks, kept and delivered by the audit service. Managing them needs the
 * fleet's `admin` role: a sink sends the whole audit trail elsewhere. The audit service keeps each
 * change with its command in the change's transaction; the request then appends its operator event,
 * and if it cannot, the relay does (sink-change-relay.ts): the change is made either way, so the
 * answer is the change's.
 */
@Controller('v1/audit/sinks')
export class AuditSinksController {
  private readonly logger = new Logger('audit-sinks');

  constructor(
    @Inject(OperatorRequests) private readonly requests: OperatorRequests,
    @Inject(AuditSinkRecords) private readonly records: AuditSinkRecords,
  ) {}

  @Post()
  @HttpCode(201)
  async add(@Query() query: unknown, @Body() body: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const ctx = operatorContext();
    const sink = await this.requests.call(audit.addSink, { fleet, ...parseBody(AddAuditSinkRequest, body) }, {}, ctx);
    await this.record('added', sink, ctx);
    return sink;
  }

  @Get()
  list(@Query() query: unknown) {
    return this.requests.call(audit.listSinks, parseQuery(FleetQuery, query));
  }

  @Get(':name')
  show(@Query() query: unknown, @Param() params: unknown) {
    return this.requests.call(audit.showSink, this.named(query, params));
  }

  @Post(':name/resume')
  @HttpCode(200)
  async resume(@Query() query: unknown, @Param() params: unknown) {
    const ctx = operatorContext();
    const sink = await this.requests.call(audit.resumeSink, this.named(query, params), {}, ctx);
    await this.record('resumed', sink, ctx);
    return sink;
  }

  @Delete(':name')
  async remove(@Query() query: unknown, @Param() params: unknown) {
    const ctx = operatorContext();
    const answer = await this.requests.call(audit.removeSink, this.named(query, params), {}, ctx);
    await this.record('removed', answer.removed, ctx);
    return answer;
  }

  private async record(kind: SinkChangeKind, sink: audit.AuditSink, ctx: RequestContext): Promise<void> {
    const { actor, commandId, correlationId } = ctx;
    await this.records.record({ kind, sink, actor, commandId, correlationId }).catch((err: unknown) => {
      this.logger.warn(
        `the ${kind} of audit sink ${sink.name} is made; its audit entry follows by the relay: ${err instanceof Error ? err.message : String(err)}`,
      );
    });
  }

  private named(query: unknown, params: unknown): { fleet: string; name: string } {
    const { fleet } = parseQuery(FleetQuery, query);
    return { fleet, name: parseParams(AuditSinkParams, params).name };
  }
}
