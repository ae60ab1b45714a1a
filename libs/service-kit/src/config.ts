import { resolve } from 'node:path';
import type { EventStoreNaming } from '@keelson/event-store';
import { numberSetting } from './number-setting.js';

/** What every service reads from its environment (see services/README.md). */
export interface ServiceConfig {
  service: string;
  /** `KEELSON_NATS_URL`: one URL, or every node of a cluster comma-separated (the client moves to a survivor). */
  natsServers: string[];
  natsUser?: string;
  natsPassword?: string;
  databaseUrl?: string;
  /** The service's own directory for files it must keep (keys, blobs). */
  dataDir: string;
  httpHost: string;
  httpPort: number;
  naming: EventStoreNaming;
  /** Shared secret for service-to-service HTTP (the api's upload to the facade). */
  internalToken?: string;
  /** HTTPS for the service's port (`KEELSON_TLS_CERT_FILE`, `KEELSON_TLS_KEY_FILE`): the device-facing gateway and facade. */
  tls?: { certFile: string; keyFile: string };
  env: NodeJS.ProcessEnv;
}

/** Reads and checks the common variables; throws one error listing everything missing or wrong. */
export function loadServiceConfig(service: string, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const problems: string[] = [];
  const natsServers = (env.KEELSON_NATS_URL ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (!natsServers.length) problems.push('KEELSON_NATS_URL is required');
  const httpPort = numberSetting({ service, env }, 'KEELSON_HTTP_PORT', { default: 0, min: 0, max: 65_535 }, problems);
  const subjectPrefix = env.KEELSON_SUBJECT_PREFIX ?? '';
  if (subjectPrefix && !/^[a-z0-9]+\.$/.test(subjectPrefix)) problems.push('KEELSON_SUBJECT_PREFIX must look like `abc123.`');
  const streamPrefix = env.KEELSON_STREAM_PREFIX ?? '';
  if (streamPrefix && !/^[A-Z0-9]+_$/.test(streamPrefix)) problems.push('KEELSON_STREAM_PREFIX must look like `ABC123_`');
  const [certFile, keyFile] = [env.KEELSON_TLS_CERT_FILE || undefined, env.KEELSON_TLS_KEY_FILE || undefined];
  if (Boolean(certFile) !== Boolean(keyFile))
    problems.push('KEELSON_TLS_CERT_FILE and KEELSON_TLS_KEY_FILE go together: set both or neither');
  if (problems.length) throw new Error(`${service}: bad configuration:\n  ${problems.join('\n  ')}`);
  return {
    service,
    natsServers,
    natsUser: env.KEELSON_NATS_USER || undefined,
    natsPassword: env.KEELSON_NATS_PASSWORD || undefined,
    databaseUrl: env.KEELSON_DATABASE_URL || undefined,
    dataDir: resolve(env.KEELSON_DATA_DIR ?? `.keelson/${service}`),
    httpHost: env.KEELSON_HTTP_HOST ?? '127.0.0.1',
    httpPort,
    naming: { streamPrefix, subjectPrefix },
    internalToken: env.KEELSON_INTERNAL_TOKEN || undefined,
    ...(certFile && keyFile ? { tls: { certFile, keyFile } } : {}),
    env,
  };
}

/** The value of a required service-specific variable, or a clear error. */
export function requireEnv(config: ServiceConfig, name: string): string {
  const value = config.env[name];
  if (!value) throw new Error(`${config.service}: ${name} is required`);
  return value;
}
