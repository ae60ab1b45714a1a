import { Controller, Inject } from '@nestjs/common';
import { registry } from '@keelson/commands';
import { type CommandIn, type CommandOut, CommandPattern } from '@keelson/service-kit';
import { ArtifactViews } from './artifact-views.js';

/** `get-artifact`, `resolve-artifact` and `list-artifacts`, answered from the artifacts read model. */
@Controller()
export class ArtifactCommands {
  constructor(@Inject(ArtifactViews) private readonly views: ArtifactViews) {}

  @CommandPattern(registry.getArtifact)
  get(input: CommandIn<typeof registry.getArtifact>): CommandOut<typeof registry.getArtifact> {
    return this.views.get(input.fleet, input.name, input.version);
  }

  @CommandPattern(registry.resolveArtifact)
  resolve(input: CommandIn<typeof registry.resolveArtifact>): CommandOut<typeof registry.resolveArtifact> {
    return this.views.resolve(input.fleet, input.name, input.version);
  }

  @CommandPattern(registry.listArtifacts)
  list(input: CommandIn<typeof registry.listArtifacts>): CommandOut<typeof registry.listArtifacts> {
    return this.views.list(input.fleet, input.limit, input.cursor, input.name);
  }
}
