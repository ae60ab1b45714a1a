import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createServiceApp, httpServerSpans, type InfrastructureOptions, type ServiceConfig } from '@keelson/service-kit';
import { apiAppModule } from './app.module.js';
import { consoleMiddleware } from './console/console.middleware.js';
import { keepOperatorConnectionsAlive } from './http/operator-keep-alive.js';
import { bindRequestActor } from './http/request-actor.js';

// A group may name up to 10,000 devices (libs/requests createGroup); Express's default 100 kB would refuse that.
const jsonBodyLimit = '2mb';

/** The api app, not yet listening: the service app with a JSON body limit that fits the contracts. */
export async function createApiApp(config: ServiceConfig, infrastructure: InfrastructureOptions = {}): Promise<INestApplication> {
  const app = (await createServiceApp(apiAppModule(config, infrastructure), config)) as NestExpressApplication;
  app.useBodyParser('json', { limit: jsonBodyLimit });
  app.use(consoleMiddleware()); // static pages, no auth: they hold no data and call /v1 with the operator's token
  app.use(httpServerSpans('/v1/')); // operator requests: a server span each, the root of what they set off
  app.use(bindRequestActor); // before the guard: each request's actor travels with it into its commands
  keepOperatorConnectionsAlive(app);
  return app;
}
