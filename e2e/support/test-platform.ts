import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePlatformSecrets, startPlatform, type PlatformOptions, type RunningPlatform } from '@keelson/local-infra';
import { createTestDatabase, testEnv, type TestDatabase } from '@keelson/testing';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A whole Keelson installation for one spec file: its own nats-server, databases and data, real service processes. */
export interface TestPlatform extends RunningPlatform {
  home: string;
  adminToken: string;
  /** With `diagnosticsUser`: the unrestricted NATS user, to read the event streams themselves. */
  diagnostics?: { user: string; password: string };
  /** `fetch` against the api with the admin token; JSON in, parsed JSON out. */
  api<T = unknown>(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: T }>;
  /** The database of a service that has started, for specs that look beneath the service (or tamper with it). */
  databaseUrlOf(service: string): Promise<string>;
  destroy(): Promise<void>;
}

/**
 * `tls` defaults to true: devices reach the gateway, the facade and MQTT over TLS from the
 * installation's CA, as `npm start` runs it, and the facade knows devices only by their certificate
 * (it serves no device over plain HTTP). `tls: false` is for specs that need no device.
 */
export async function startTestPlatform(
  options: Pick<PlatformOptions, 'services' | 'serviceEnv' | 'tls' | 'diagnosticsUser' | 'natsNodes' | 'serviceReplicas'> = {},
): Promise<TestPlatform> {
  const env = testEnv();
  const home = mkdtempSync(join(tmpdir(), 'keelson-e2e-'));
  const secrets = generatePlatformSecrets();
  // One database per service, for its first start and every restart or replica, as in an installation.
  const databases = new Map<string, Promise<TestDatabase>>();
  const platform = await startPlatform({
    repoRoot,
    home,
    natsBinary: env.natsBinary,
    secrets,
    ...options,
    tls: options.tls ?? true,
    // deploy/container/smoke.sh runs e2e files against the services' image instead of their builds.
    ...(process.env.KEELSON_SERVICE_IMAGE ? { serviceImage: process.env.KEELSON_SERVICE_IMAGE } : {}),
    databaseUrl: async (service) => {
      if (!databases.has(service)) databases.set(service, createTestDatabase());
      return (await databases.get(service)!).url;
    },
  });
  const api: TestPlatform['api'] = async (path, init = {}) => {
    const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
    const send = () =>
      fetch(`${platform.apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${secrets.adminToken}`,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    // Kept-alive connections to an api replica that was killed fail, as behind any load balancer:
    // a read is sent again (on a new connection, to a live replica); a write is not.
    // (`fetch failed` is a TypeError of Node's realm, not of the spec's: known by its name.)
    const again =
      (attempts: number) =>
      (err: unknown): Promise<Response> =>
        method === 'GET' && attempts > 0 && (err as Error)?.name === 'TypeError' ? send().catch(again(attempts - 1)) : Promise.reject(err);
    const res = await send().catch(again(3));
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as never };
  };
  return {
    ...platform,
    home,
    adminToken: secrets.adminToken,
    ...(options.diagnosticsUser ? { diagnostics: { user: 'keelson-services', password: secrets.natsServicesPassword } } : {}),
    api,
    databaseUrlOf: async (service) => {
      const db = databases.get(service);
      if (!db) throw new Error(`no database was made for ${service}: is it one of the platform's services?`);
      return (await db).url;
    },
    destroy: async () => {
      await platform.stop();
      await Promise.all([...databases.values()].map((db) => db.then((d) => d.drop()).catch(() => undefined)));
      rmSync(home, { recursive: true, force: true });
    },
  };
}
