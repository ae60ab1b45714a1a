import { Controller, Inject } from '@nestjs/common';
import { registry } from '@keelson/requests';
import { type RequestIn, type RequestOut, RequestPattern } from '@keelson/service-kit';
import { ArtifactViews } from './artifact-views.js';

/** `get-artifact`, `resolve-artifact` and `list-artifacts`, answered from the artifacts read model. */
@Controller()
export class ArtifactRequests {
  constructor(@Inject(ArtifactViews) private readonly views: ArtifactViews) {}

  @RequestPattern(registry.getArtifact)
  get(input: RequestIn<typeof registry.getArtifact>): RequestOut<typeof registry.getArtifact> {
    return this.views.get(input.fleet, input.name, input.version);
  }

  @RequestPattern(registry.resolveArtifact)
  resolve(input: RequestIn<typeof registry.resolveArtifact>): RequestOut<typeof registry.resolveArtifact> {
    return this.views.resolve(input.fleet, input.name, input.version);
  }

  @RequestPattern(registry.listArtifacts)
  list(input: RequestIn<typeof registry.listArtifacts>): RequestOut<typeof registry.listArtifacts> {
    return this.views.list(input.fleet, input.limit, input.cursor, input.name);
  }
}
