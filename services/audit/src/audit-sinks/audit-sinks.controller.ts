import { Controller, Inject } from '@nestjs/common';
import { audit, type CommandOutput, type ParsedCommandInput } from '@keelson/commands';
import { CommandPattern } from '@keelson/service-kit';
import { AuditSinks } from './audit-sinks.store.js';

/** `cmd.audit.sink-*`: the operators' webhook sinks of a fleet. Answers never hold a signing secret. */
@Controller()
export class AuditSinkCommands {
  constructor(@Inject(AuditSinks) private readonly sinks: AuditSinks) {}

  @CommandPattern(audit.addSink)
  add(input: ParsedCommandInput<typeof audit.addSink>): Promise<CommandOutput<typeof audit.addSink>> {
    return this.sinks.add(input);
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
  async remove(input: ParsedCommandInput<typeof audit.removeSink>): Promise<CommandOutput<typeof audit.removeSink>> {
    return { removed: await this.sinks.remove(input.fleet, input.name) };
  }

  @CommandPattern(audit.resumeSink)
  resume(input: ParsedCommandInput<typeof audit.resumeSink>): Promise<CommandOutput<typeof audit.resumeSink>> {
    return this.sinks.resume(input.fleet, input.name);
  }
}
