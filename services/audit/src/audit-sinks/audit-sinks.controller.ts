import { Controller, Inject } from '@nestjs/common';
import { audit, type RequestOutput, type ParsedRequestInput } from '@keelson/requests';
import { RequestPattern, type RequestContext } from '@keelson/service-kit';
import { AuditSinks } from './audit-sinks.store.js';

/**
 * `cmd.audit.sink-*`: the operators' webhook sinks of a fleet. Answers never hold a signing secret.
 * Each change is kept with the command that made it until the api confirms its operator event.
 */
@Controller()
export class AuditSinkRequests {
  constructor(@Inject(AuditSinks) private readonly sinks: AuditSinks) {}

  @RequestPattern(audit.addSink)
  add(input: ParsedRequestInput<typeof audit.addSink>, ctx: RequestContext): Promise<RequestOutput<typeof audit.addSink>> {
    return this.sinks.add(input, ctx);
  }

  @RequestPattern(audit.listSinks)
  async list(input: ParsedRequestInput<typeof audit.listSinks>): Promise<RequestOutput<typeof audit.listSinks>> {
    return { items: await this.sinks.list(input.fleet) };
  }

  @RequestPattern(audit.showSink)
  show(input: ParsedRequestInput<typeof audit.showSink>): Promise<RequestOutput<typeof audit.showSink>> {
    return this.sinks.show(input.fleet, input.name);
  }

  @RequestPattern(audit.removeSink)
  async remove(input: ParsedRequestInput<typeof audit.removeSink>, ctx: RequestContext): Promise<RequestOutput<typeof audit.removeSink>> {
    return { removed: await this.sinks.remove(input.fleet, input.name, ctx) };
  }

  @RequestPattern(audit.resumeSink)
  resume(input: ParsedRequestInput<typeof audit.resumeSink>, ctx: RequestContext): Promise<RequestOutput<typeof audit.resumeSink>> {
    return this.sinks.resume(input.fleet, input.name, ctx);
  }

  @RequestPattern(audit.unrecordedSinkChanges)
  async unrecorded(
    input: ParsedRequestInput<typeof audit.unrecordedSinkChanges>,
  ): Promise<RequestOutput<typeof audit.unrecordedSinkChanges>> {
    return { items: await this.sinks.unrecordedChanges(input.olderThanSeconds, input.limit) };
  }

  @RequestPattern(audit.sinkChangeRecorded)
  async recorded(input: ParsedRequestInput<typeof audit.sinkChangeRecorded>): Promise<RequestOutput<typeof audit.sinkChangeRecorded>> {
    return { forgotten: await this.sinks.forgetChange(input.commandId) };
  }
}
