import { Controller, Inject } from '@nestjs/common';
import { registry, type CommandContract, type CommandOutput, type ParsedCommandInput } from '@keelson/commands';
import { CommandPattern } from '@keelson/service-kit';
import { ArtifactViews } from './artifact-views.js';

type In<C extends CommandContract> = ParsedCommandInput<C>;
type Out<C extends CommandContract> = Promise<CommandOutput<C>>;

/** `get-artifact`, `resolve-artifact` and `list-artifacts`, answered from the artifacts read model. */
@Controller()
export class ArtifactCommands {
  constructor(@Inject(ArtifactViews) private readonly views: ArtifactViews) {}

  @CommandPattern(registry.getArtifact)
  get(input: In<typeof registry.getArtifact>): Out<typeof registry.getArtifact> {
    return this.views.get(input.fleet, input.name, input.version);
  }

  @CommandPattern(registry.resolveArtifact)
  resolve(input: In<typeof registry.resolveArtifact>): Out<typeof registry.resolveArtifact> {
    return this.views.resolve(input.fleet, input.name, input.version);
  }

  @CommandPattern(registry.listArtifacts)
  list(input: In<typeof registry.listArtifacts>): Out<typeof registry.listArtifacts> {
    return this.views.list(input.fleet, input.limit, input.cursor, input.name);
  }
}
