import { Controller, Inject } from '@nestjs/common';
import { gateway } from '@keelson/commands';
import { type CommandContext, type CommandIn, type CommandOut, CommandPattern } from '@keelson/service-kit';
import { Groups } from './groups.js';

/** `create-group`, `get-group` and `list-groups`. */
@Controller()
export class GroupCommands {
  constructor(@Inject(Groups) private readonly groups: Groups) {}

  @CommandPattern(gateway.createGroup)
  create(input: CommandIn<typeof gateway.createGroup>, ctx: CommandContext): CommandOut<typeof gateway.createGroup> {
    return this.groups.create(input, ctx);
  }

  @CommandPattern(gateway.getGroup)
  get(input: CommandIn<typeof gateway.getGroup>): CommandOut<typeof gateway.getGroup> {
    return this.groups.get(input);
  }

  @CommandPattern(gateway.listGroups)
  list(input: CommandIn<typeof gateway.listGroups>): CommandOut<typeof gateway.listGroups> {
    return this.groups.list(input.fleet, input.limit, input.cursor);
  }
}
