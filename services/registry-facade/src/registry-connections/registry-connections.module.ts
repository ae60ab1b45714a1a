import { Logger, Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseRegistryConnectionEvent, type RegistryConnectionEvent } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import {
  CLOCK,
  DATABASE,
  declareModule,
  NATS,
  requireDatabase,
  SERVICE_CONFIG,
  sealingSecretsOf,
  type Clock,
  type DeclaredWorker,
  type ServiceConfig,
} from '@keelson/service-kit';
import { registryTables } from '../registry-database.js';
import { credentialsSecretName, SealedCredentials } from './credentials/sealed-credentials.js';
import { RegistryConnectionRequests } from './registry-connection-requests.controller.js';
import { RegistryConnectionViews } from './registry-connection-views.js';
import { RegistryConnections } from './registry-connections.js';
import { registryConnectionsMigrations, registryConnectionsProjection } from './registry-connections.projection.js';

const REGISTRY_CONNECTIONS_DECLARATION = Symbol('RegistryConnectionsDeclaration');
const SEALED_CREDENTIALS = Symbol('SealedCredentials');

/** At start, after the migrations: brings rows sealed under `_PREVIOUS` under the current secret. */
function resealWorker(credentials: SealedCredentials): DeclaredWorker {
  return {
    name: 'registry credentials re-seal',
    replicas: 'single-active', // once per rotation: one replica re-seals every row
    start: async () => {
      const resealed = await credentials.resealAll();
      if (resealed) new Logger('registry-connections').log(`re-sealed ${resealed} registry credentials under ${credentialsSecretName}`);
    },
    stop: () => undefined,
  };
}

/** `KEELSON_REGISTRY_CREDENTIALS_SECRET` (and `_PREVIOUS` while it rotates); bad values stop the facade, naming the variable only. */
function credentialsSecretsOf(config: ServiceConfig) {
  try {
    const secrets = sealingSecretsOf(config.env, credentialsSecretName);
    if (!secrets)
      new Logger('registry-connections').warn(`${credentialsSecretName} is not set: only registries without credentials can be connected`);
    return secrets;
  } catch (err) {
    throw new Error(`registry-facade: ${(err as Error).message}`);
  }
}

/** Upstream registry connections: the aggregate, its sealed credentials and read model, and the commands operators send. */
@Module({
  controllers: [RegistryConnectionRequests],
  providers: [
    {
      provide: SEALED_CREDENTIALS,
      inject: [SERVICE_CONFIG, DATABASE],
      useFactory: (config: ServiceConfig, db: Database | null) =>
        new SealedCredentials(requireDatabase(db, 'registry-facade', registryTables), credentialsSecretsOf(config)),
    },
    {
      provide: REGISTRY_CONNECTIONS_DECLARATION,
      inject: [SEALED_CREDENTIALS],
      useFactory: (credentials: SealedCredentials) =>
        declareModule({
          module: 'registry connections',
          database: registryTables,
          streams: [eventStreams.registry],
          migrations: registryConnectionsMigrations,
          projections: [{ name: 'registry connections read model', projection: registryConnectionsProjection }, resealWorker(credentials)],
          requestControllers: [RegistryConnectionRequests],
        }),
    },
    {
      provide: RegistryConnections,
      inject: [NATS, SERVICE_CONFIG, SEALED_CREDENTIALS, CLOCK],
      useFactory: (nc: NatsConnection, config: ServiceConfig, credentials: SealedCredentials, clock: Clock) =>
        new RegistryConnections(
          new EventStore<RegistryConnectionEvent>({
            nc,
            naming: config.naming,
            stream: eventStreams.registry,
            parse: parseRegistryConnectionEvent,
          }),
          credentials,
          clock,
        ),
    },
    {
      provide: RegistryConnectionViews,
      inject: [DATABASE],
      useFactory: (db: Database | null) => new RegistryConnectionViews(requireDatabase(db, 'registry-facade', registryTables)),
    },
  ],
  exports: [RegistryConnections],
})
export class RegistryConnectionsModule {}
