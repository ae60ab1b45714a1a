import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseArtifactEvent, parseTufEvent, type ArtifactEvent, type TufEvent } from '@keelson/events';
import { openDatabase, type Database } from '@keelson/postgres';
import { ensureLocalTls } from '@keelson/local-infra';
import { allowLongTransfers, createServiceApp, loadServiceConfig, type Clock } from '@keelson/service-kit';
import { connectTestNats, createTestDatabase, testEnv, testNamespace, type TestDatabase, type TestNamespace } from '@keelson/testing';
import { facadeAppModule } from '../app.module.js';

export const internalToken = 'test-internal-token-0123456789abcdef';

/** The whole facade listening on a free port, against the run's NATS and a database and data dir of its own. */
export interface FacadeApp {
  app: INestApplication;
  url: string;
  nc: NatsConnection;
  db: Database;
  naming: TestNamespace;
  dataDir: string;
  /** The CA of the facade's server certificate (PEM) when it runs on HTTPS, as devices pin it. */
  ca?: string;
  artifacts: EventStore<ArtifactEvent>;
  tuf: EventStore<TufEvent>;
  /** Stops the app and starts a new one on the same database, data dir and streams. */
  restart(): Promise<void>;
  /** Another replica of the facade on the same database, data dir and streams (stopped by its `close`, not the facade's). */
  replica(): Promise<{ app: INestApplication; url: string; close(): Promise<void> }>;
  close(): Promise<void>;
}

/**
 * `clock`: the facade's CLOCK (the system clock by default).
 * `tls`: HTTPS with a server certificate from a local CA of its own, asking clients for certificates
 * as `main.ts` does (mutual TLS for devices). Without it, plain HTTP: uploads work, device routes refuse.
 */
export async function startFacade(env: Record<string, string> = {}, options: { tls?: boolean; clock?: Clock } = {}): Promise<FacadeApp> {
  const naming = testNamespace();
  const nc = await connectTestNats();
  const testDb: TestDatabase = await createTestDatabase();
  const db = await openDatabase({ url: testDb.url });
  const dataDir = mkdtempSync(join(tmpdir(), 'keelson-facade-'));
  const tls = options.tls ? await ensureLocalTls(join(dataDir, 'tls')) : undefined;
  const { natsUrl, natsUser, natsPass } = testEnv();
  const config = loadServiceConfig('registry-facade', {
    KEELSON_NATS_URL: natsUrl,
    KEELSON_NATS_USER: natsUser,
    KEELSON_NATS_PASSWORD: natsPass,
    KEELSON_DATABASE_URL: testDb.url,
    KEELSON_DATA_DIR: dataDir,
    KEELSON_STREAM_PREFIX: naming.streamPrefix,
    KEELSON_SUBJECT_PREFIX: naming.subjectPrefix,
    KEELSON_INTERNAL_TOKEN: internalToken,
    KEELSON_BLOB_STORE: 'directory',
    ...(tls ? { KEELSON_TLS_CERT_FILE: tls.certFile, KEELSON_TLS_KEY_FILE: tls.keyFile } : {}),
    ...env,
  });
  const boot = async () => {
    const app = await createServiceApp(facadeAppModule(config, options.clock ? { clock: options.clock } : {}), config, {
      requestClientCertificate: true,
      serverSpans: '/internal/',
    });
    await app.listen(0, '127.0.0.1');
    allowLongTransfers(app);
    return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
  };
  const facade: FacadeApp = {
    ...(await boot()),
    nc,
    db,
    naming,
    dataDir,
    ...(tls ? { ca: tls.caPem } : {}),
    artifacts: new EventStore<ArtifactEvent>({ nc, naming, stream: eventStreams.registry, parse: parseArtifactEvent }),
    tuf: new EventStore<TufEvent>({ nc, naming, stream: eventStreams.signer, parse: parseTufEvent }),
    async restart() {
      await facade.app.close();
      Object.assign(facade, await boot());
    },
    async replica() {
      const replica = await boot();
      return { ...replica, close: () => replica.app.close() };
    },
    async close() {
      await facade.app.close();
      await nc.close();
      await db.close();
      await testDb.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return facade;
}
