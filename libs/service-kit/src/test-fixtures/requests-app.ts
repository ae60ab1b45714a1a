import { Module, type INestApplication, type Type } from '@nestjs/common';
import { testEnv, type TestNamespace } from '@keelson/testing';
import { loadServiceConfig, type ServiceConfig } from '../config.js';
import { InfrastructureModule } from '../nest/infrastructure.module.js';
import { createServiceApp } from '../nest/run-service.js';
import { declareModule, type ModuleDeclaration } from '../runner/module-declaration.js';

/** The config of a service named `commands-spec` on the test NATS, with the spec's prefixes and no database. */
export function commandsSpecConfig(naming: TestNamespace): ServiceConfig {
  const env = testEnv();
  return loadServiceConfig('commands-spec', {
    KEELSON_NATS_URL: env.natsUrl,
    KEELSON_NATS_USER: env.natsUser,
    KEELSON_NATS_PASSWORD: env.natsPass,
    KEELSON_STREAM_PREFIX: naming.streamPrefix,
    KEELSON_SUBJECT_PREFIX: naming.subjectPrefix,
  });
}

export interface RequestsAppOptions {
  /** Controllers of the Nest module (default: the declared ones). */
  controllers?: Type[];
  /** The declaration of the app's one module (default: `requestControllers` are `controllers`). */
  declaration?: Partial<ModuleDeclaration>;
}

/**
 * A started Nest app (no HTTP port) made the way services make theirs (`createServiceApp`), whose
 * one module declares `requestControllers`; `app.close()` stops it.
 */
export async function startRequestsApp(
  naming: TestNamespace,
  requestControllers: Type[],
  options: RequestsAppOptions = {},
): Promise<INestApplication> {
  const config = commandsSpecConfig(naming);
  @Module({
    imports: [InfrastructureModule.forRoot(config)],
    controllers: options.controllers ?? requestControllers,
    providers: [
      { provide: 'commands-spec-module', useValue: declareModule({ module: 'spec', requestControllers, ...options.declaration }) },
    ],
  })
  class RequestsSpecApp {}
  const app = await createServiceApp(RequestsSpecApp, config);
  try {
    await app.init();
  } catch (err) {
    await app.close();
    throw err;
  }
  return app;
}
