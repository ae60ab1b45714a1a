import { join } from 'node:path';
import type { LocalTls } from '../tls/local-tls.js';
import type { PlatformOptions } from './platform.js';
import type { PlatformNats } from './platform-nats.js';
import type { PlatformService } from './platform-services.js';
import { gatewaySystemUser, serviceNatsUser } from './service-permissions.js';

/** What a service's environment is made of: the installation's options and where its parts listen. */
export interface ServiceEnvironmentSources {
  options: PlatformOptions;
  ports: NonNullable<PlatformOptions['ports']>;
  naming: { streamPrefix: string; subjectPrefix: string };
  broker: PlatformNats;
  tls: LocalTls | undefined;
  facadeUrl: string;
  gatewayUrl: string;
  replicaCount: number;
}

/**
 * The environment each service process starts with: its NATS user, database, ports and prefixes,
 * the secrets that service alone gets, TLS, tracing, and the caller's extras on top.
 */
export function serviceEnvironment(sources: ServiceEnvironmentSources): (service: PlatformService) => Promise<NodeJS.ProcessEnv> {
  const { options, ports, naming, broker, tls, facadeUrl, gatewayUrl, replicaCount } = sources;
  const { home, secrets } = options;
  // The device-facing services serve the server certificate; every service trusts the local CA (the api uploads to the facade).
  const tlsEnv = (service: PlatformService): NodeJS.ProcessEnv =>
    !tls
      ? {}
      : {
          NODE_EXTRA_CA_CERTS: tls.caFile,
          ...(service === 'registry-facade' || service === 'device-gateway'
            ? { KEELSON_TLS_CERT_FILE: tls.certFile, KEELSON_TLS_KEY_FILE: tls.keyFile }
            : {}),
          ...(service === 'api' ? { KEELSON_PLATFORM_CA_FINGERPRINT: tls.caFingerprint } : {}),
        };
  const otelEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('OTEL_')));
  return async (service: PlatformService): Promise<NodeJS.ProcessEnv> => ({
    PATH: process.env.PATH,
    NODE_ENV: process.env.NODE_ENV ?? 'production',
    KEELSON_NATS_URL: broker.natsUrl,
    KEELSON_NATS_USER: serviceNatsUser(service),
    KEELSON_NATS_PASSWORD: secrets.natsServicePasswords[service],
    KEELSON_DATABASE_URL: await options.databaseUrl(service),
    KEELSON_DATA_DIR: join(home, service),
    KEELSON_HTTP_HOST: '127.0.0.1',
    KEELSON_HTTP_PORT: String(ports[service]),
    KEELSON_STREAM_PREFIX: naming.streamPrefix,
    KEELSON_SUBJECT_PREFIX: naming.subjectPrefix,
    KEELSON_INTERNAL_TOKEN: secrets.internalToken,
    KEELSON_MQTT_URL: broker.mqttUrl,
    ...(broker.streamReplicas > 1 ? { KEELSON_STREAM_REPLICAS: String(broker.streamReplicas) } : {}),
    KEELSON_FACADE_URL: facadeUrl,
    KEELSON_GATEWAY_URL: gatewayUrl,
    // The gateway alone gets a system-account user, restricted to closing a decommissioned device's live connection.
    ...(service === 'device-gateway'
      ? {
          KEELSON_AUTH_CALLOUT_SEED: secrets.authCalloutSeed,
          KEELSON_NATS_SYSTEM_USER: gatewaySystemUser('').user,
          KEELSON_NATS_SYSTEM_PASSWORD: secrets.natsGatewaySystemPassword,
          KEELSON_DEVICE_CA_KEY_SECRET: secrets.deviceCaKeySecret,
        }
      : {}),
    ...(service === 'api' ? { KEELSON_ADMIN_TOKEN: secrets.adminToken } : {}),
    // One facade on one machine: its blobs in its data directory; replicas share the NATS object store (the installation's default).
    ...(service === 'registry-facade'
      ? {
          ...(replicaCount === 1 ? { KEELSON_BLOB_STORE: 'directory' } : {}),
          KEELSON_REGISTRY_CREDENTIALS_SECRET: secrets.registryCredentialsSecret,
        }
      : {}),
    ...(service === 'signer' ? { KEELSON_SIGNER_KEY_SECRET: secrets.signerKeySecret } : {}),
    // AUDIT_EVENTS reserves its byte limit on the server (10 GiB by default: an installation's disk);
    // on one machine a local stack or a test platform keeps 256 MiB, so it starts wherever 10 GiB are not free.
    ...(service === 'audit' ? { KEELSON_AUDIT_SINK_SECRET: secrets.auditSinkSecret, KEELSON_AUDIT_EVENTS_MAX_MB: '256' } : {}),
    ...tlsEnv(service),
    ...otelEnv, // tracing as the launcher's environment sets it (docs/tracing.md)
    ...options.serviceEnv?.[service],
  });
}
