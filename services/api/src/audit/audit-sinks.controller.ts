import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { audit } from '@keelson/commands';
import { OperatorCommands, operatorContext } from '../http/operator-commands.js';
import { AuditSinkRecords } from '../operators/audit-sink-records.js';
import { FleetQuery, parseBody, parseParams, parseQuery } from '../http/request.schemas.js';
import { AddAuditSinkRequest, AuditSinkParams } from './audit-sinks.schemas.js';

/**
 * The fleet's audit webhook sinks, kept and delivered by the audit service. Managing them needs the
 * fleet's `admin` role: a sink sends the whole audit trail elsewhere.
 */
@Controller('v1/audit/sinks')
export class AuditSinksController {
  constructor(
    @Inject(OperatorCommands) private readonly commands: OperatorCommands,
    @Inject(AuditSinkRecords) private readonly records: AuditSinkRecords,
  ) {}

  @Post()
  @HttpCode(201)
  async add(@Query() query: unknown, @Body() body: unknown) {
    const { fleet } = parseQuery(FleetQuery, query);
    const sink = await this.commands.call(audit.addSink, { fleet, ...parseBody(AddAuditSinkRequest, body) });
    await this.records.added(sink, operatorContext());
    return sink;
  }

  @Get()
  list(@Query() query: unknown) {
    return this.commands.call(audit.listSinks, parseQuery(FleetQuery, query));
  }

  @Get(':name')
  show(@Query() query: unknown, @Param() params: unknown) {
    return this.commands.call(audit.showSink, this.named(query, params));
  }

  @Post(':name/resume')
  @HttpCode(200)
  async resume(@Query() query: unknown, @Param() params: unknown) {
    const sink = await this.commands.call(audit.resumeSink, this.named(query, params));
    await this.records.resumed(sink, operatorContext());
    return sink;
  }

  @Delete(':name')
  async remove(@Query() query: unknown, @Param() params: unknown) {
    const answer = await this.commands.call(audit.removeSink, this.named(query, params));
    await this.records.removed(answer.removed, operatorContext());
    return answer;
  }

  private named(query: unknown, params: unknown): { fleet: string; name: string } {
    const { fleet } = parseQuery(FleetQuery, query);
    return { fleet, name: parseParams(AuditSinkParams, params).name };
  }
}
