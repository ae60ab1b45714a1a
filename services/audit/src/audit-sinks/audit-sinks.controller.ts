import { Controller, Inject } from '@nestjs/common';
import { audit, type CommandOutput, type ParsedCommandInput } from '@keelson/commands';
import { CommandPattern, type CommandContext } from '@keelson/service-kit';
import { AuditSinks } from './audit-sinks.store.js';

/**
 * `cmd.audit.sink-*`: the operators' webhook sinks of a fleet. Answers never hold a signing secret.
 * Each change is kept with the command that made it until the api confirms its operator event.
 */
@Controller()
export class AuditSinkCommands {
  constructor(@Inject(AuditSinks) private readonly sinks: AuditSinks) {}

  @CommandPattern(audit.addSink)
  add(input: ParsedCommandInput<typeof audit.addSink>, ctx: CommandContext): Promise<CommandOutput<typeof audit.addSink>> {
    return this.sinks.add(input, ctx);
  }

  @CommandPattern(audit.listSinks)
  async list(input: ParsedCommandInput<typeof audit.listSinks>): Promise<CommandOutput<typeof audit.listSinks>> {
    return { items: await this.sinks.list(input.fleet) };
  }

  @CommandPattern(audit.showSink)
  show(input: ParsedCommandInput<typeof audit.showSink>): Promise<CommandOutput<typeof audit.showSink>> {
    return this.sinks.show(input.fleet, input.name);
  }

  @CommandPattern(audit.removeSink)
  async remove(input: ParsedCommandInput<typeof audit.removeSink>, ctx: CommandContext): Promise<CommandOutput<typeof audit.removeSink>> {
    return { removed: await this.sinks.remove(input.fleet, input.name, ctx) };
  }

  @CommandPattern(audit.resumeSink)
  resume(input: ParsedCommandInput<typeof audit.resumeSink>, ctx: CommandContext): Promise<CommandOutput<typeof audit.resumeSink>> {
    return this.sinks.resume(input.fleet, input.name, ctx);
  }

  @CommandPattern(audit.unrecordedSinkChanges)
  async unrecorded(input: ParsedCommandInput<typeof audit.unrecordedSinkChanges>): Promise<CommandOutput<typeof audit.unrecordedSinkChanges>> {
    return { items: await this.sinks.unrecordedChanges(input.olderThanSeconds, input.limit) };
  }

  @CommandPattern(audit.sinkChangeRecorded)
  async recorded(input: ParsedCommandInput<typeof audit.sinkChangeRecorded>): Promise<CommandOutput<typeof audit.sinkChangeRecorded>> {
    return { forgotten: await this.sinks.forgetChange(input.commandId) };
  }
}
