import { Controller, Inject } from '@nestjs/common';
import { registry } from '@keelson/commands';
import { type CommandContext, type CommandIn, type CommandOut, CommandPattern } from '@keelson/service-kit';
import { RegistryImagePublisher } from './publish-from-registry.js';

/** `publish-from-registry`: pins a tag of a connected registry and copies its image in. */
@Controller()
export class ContainerCommands {
  constructor(@Inject(RegistryImagePublisher) private readonly publisher: RegistryImagePublisher) {}

  @CommandPattern(registry.publishFromRegistry)
  publish(input: CommandIn<typeof registry.publishFromRegistry>, ctx: CommandContext): CommandOut<typeof registry.publishFromRegistry> {
    return this.publisher.publish(input, ctx);
  }
}
