import { Controller, Inject } from '@nestjs/common';
import { gateway } from '@keelson/commands';
import { type CommandContext, type CommandIn, type CommandOut, CommandPattern } from '@keelson/service-kit';
import { Groups } from './groups.js';

/** `create-group`, `add-group-members`, `remove-group-members`, `delete-group`, `get-group` and `list-groups`. */
@Controller()
export class GroupCommands {
  constructor(@Inject(Groups) private readonly groups: Groups) {}

  @CommandPattern(gateway.createGroup)
  create(input: CommandIn<typeof gateway.createGroup>, ctx: CommandContext): CommandOut<typeof gateway.createGroup> {
    return this.groups.create(input, ctx);
  }

  @CommandPattern(gateway.addGroupMembers)
  addMembers(input: CommandIn<typeof gateway.addGroupMembers>, ctx: CommandContext): CommandOut<typeof gateway.addGroupMembers> {
    return this.groups.addMembers(input, ctx);
  }

  @CommandPattern(gateway.removeGroupMembers)
  removeMembers(input: CommandIn<typeof gateway.removeGroupMembers>, ctx: CommandContext): CommandOut<typeof gateway.removeGroupMembers> {
    return this.groups.removeMembers(input, ctx);
  }

  @CommandPattern(gateway.deleteGroup)
  delete(input: CommandIn<typeof gateway.deleteGroup>, ctx: CommandContext): CommandOut<typeof gateway.deleteGroup> {
    return this.groups.delete(input, ctx);
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
