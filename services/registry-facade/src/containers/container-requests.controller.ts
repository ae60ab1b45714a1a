import { Controller, Inject } from '@nestjs/common';
import { registry } from '@keelson/requests';
import { type RequestContext, type RequestIn, type RequestOut, RequestPattern } from '@keelson/service-kit';
import { RegistryImagePublisher } from './publish-from-registry.js';

/** `publish-from-registry`: pins a tag of a connected registry and copies its image in. */
@Controller()
export class ContainerRequests {
  constructor(@Inject(RegistryImagePublisher) private readonly publisher: RegistryImagePublisher) {}

  @RequestPattern(registry.publishFromRegistry)
  publish(input: RequestIn<typeof registry.publishFromRegistry>, ctx: RequestContext): RequestOut<typeof registry.publishFromRegistry> {
    return this.publisher.publish(input, ctx);
  }
}
