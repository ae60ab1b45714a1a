import { Controller, Inject } from '@nestjs/common';
import { registry } from '@keelson/commands';
import { type CommandContext, type CommandIn, type CommandOut, CommandPattern } from '@keelson/service-kit';
import { RegistryConnectionViews } from './registry-connection-views.js';
import { RegistryConnections } from './registry-connections.js';

/** `connect-registry`, `get-registry`, `list-registries`, `test-registry`, `rotate-registry-credentials` and `remove-registry`. */
@Controller()
export class RegistryConnectionCommands {
  constructor(
    @Inject(RegistryConnections) private readonly connections: RegistryConnections,
    @Inject(RegistryConnectionViews) private readonly views: RegistryConnectionViews,
  ) {}

  @CommandPattern(registry.connectRegistry)
  connect(input: CommandIn<typeof registry.connectRegistry>, ctx: CommandContext): CommandOut<typeof registry.connectRegistry> {
    return this.connections.connect(input, ctx);
  }

  @CommandPattern(registry.getRegistry)
  get(input: CommandIn<typeof registry.getRegistry>): CommandOut<typeof registry.getRegistry> {
    return this.connections.get(input);
  }

  @CommandPattern(registry.listRegistries)
  list(input: CommandIn<typeof registry.listRegistries>): CommandOut<typeof registry.listRegistries> {
    return this.views.list(input.fleet, input.limit, input.cursor);
  }

  @CommandPattern(registry.testRegistry)
  test(input: CommandIn<typeof registry.testRegistry>): CommandOut<typeof registry.testRegistry> {
    return this.connections.test(input);
  }

  @CommandPattern(registry.rotateRegistryCredentials)
  rotate(input: CommandIn<typeof registry.rotateRegistryCredentials>, ctx: CommandContext): CommandOut<typeof registry.rotateRegistryCredentials> {
    return this.connections.rotate(input, ctx);
  }

  @CommandPattern(registry.removeRegistry)
  remove(input: CommandIn<typeof registry.removeRegistry>, ctx: CommandContext): CommandOut<typeof registry.removeRegistry> {
    return this.connections.remove(input, ctx);
  }
}
