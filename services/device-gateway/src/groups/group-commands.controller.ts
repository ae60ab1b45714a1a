import { Controller, Inject } from '@nestjs/common';
import { gateway, type CommandContract, type CommandOutput, type ParsedCommandInput } from '@keelson/commands';
import { CommandPattern, type CommandContext } from '@keelson/service-kit';
import { Groups } from './groups.js';

type In<C extends CommandContract> = ParsedCommandInput<C>;
type Out<C extends CommandContract> = Promise<CommandOutput<C>>;

/** `create-group`, `get-group` and `list-groups`. */
@Controller()
export class GroupCommands {
  constructor(@Inject(Groups) private readonly groups: Groups) {}

  @CommandPattern(gateway.createGroup)
  create(input: In<typeof gateway.createGroup>, ctx: CommandContext): Out<typeof gateway.createGroup> {
    return this.groups.create(input, ctx);
  }

  @CommandPattern(gateway.getGroup)
  get(input: In<typeof gateway.getGroup>): Out<typeof gateway.getGroup> {
    return this.groups.get(input);
  }

  @CommandPattern(gateway.listGroups)
  list(input: In<typeof gateway.listGroups>): Out<typeof gateway.listGroups> {
    return this.groups.list(input.fleet, input.limit, input.cursor);
  }
}
