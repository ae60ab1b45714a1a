import { Controller, Inject } from '@nestjs/common';
import { registry } from '@keelson/requests';
import { type RequestContext, type RequestIn, type RequestOut, RequestPattern } from '@keelson/service-kit';
import { RegistryConnectionViews } from './registry-connection-views.js';
import { RegistryConnections } from './registry-connections.js';

/** `connect-registry`, `get-registry`, `list-registries`, `test-registry`, `rotate-registry-credentials` and `remove-registry`. */
@Controller()
export class RegistryConnectionRequests {
  constructor(
    @Inject(RegistryConnections) private readonly connections: RegistryConnections,
    @Inject(RegistryConnectionViews) private readonly views: RegistryConnectionViews,
  ) {}

  @RequestPattern(registry.connectRegistry)
  connect(input: RequestIn<typeof registry.connectRegistry>, ctx: RequestContext): RequestOut<typeof registry.connectRegistry> {
    return this.connections.connect(input, ctx);
  }

  @RequestPattern(registry.getRegistry)
  get(input: RequestIn<typeof registry.getRegistry>): RequestOut<typeof registry.getRegistry> {
    return this.connections.get(input);
  }

  @RequestPattern(registry.listRegistries)
  list(input: RequestIn<typeof registry.listRegistries>): RequestOut<typeof registry.listRegistries> {
    return this.views.list(input.fleet, input.limit, input.cursor);
  }

  @RequestPattern(registry.testRegistry)
  test(input: RequestIn<typeof registry.testRegistry>): RequestOut<typeof registry.testRegistry> {
    return this.connections.test(input);
  }

  @RequestPattern(registry.rotateRegistryCredentials)
  rotate(
    input: RequestIn<typeof registry.rotateRegistryCredentials>,
    ctx: RequestContext,
  ): RequestOut<typeof registry.rotateRegistryCredentials> {
    return this.connections.rotate(input, ctx);
  }

  @RequestPattern(registry.removeRegistry)
  remove(input: RequestIn<typeof registry.removeRegistry>, ctx: RequestContext): RequestOut<typeof registry.removeRegistry> {
    return this.connections.remove(input, ctx);
  }
}
