import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAccount } from '@nats-io/nkeys';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { gateway, signer } from '@keelson/requests';
import { freePort, launchService, type RunningService } from '@keelson/local-infra';
import { sendRequest, handlerFor, serveRequests } from '@keelson/service-kit';
import { connectTestNats, createTestDatabase, testEnv, testNamespace, type TestDatabase } from '@keelson/testing';
import { KeyedRepository } from '@keelson/tuf/testing';
import { DataDirLayout } from '../data-dir/layout.js';
import { enrollDevice } from '../enrollment/enroll.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** The real gateway process issuing short-lived certificates, for the agent's renewal specs (plain HTTP, no broker). */
export interface RenewingGateway {
  gatewayUrl: string;
  /** Enrolls a device into `plant-7` under `<dir>/<name>`. */
  enrolled(name: string): Promise<DataDirLayout>;
  /** The device's current certificate fingerprint (hex) as relying parties (the facade) learn it. */
  currentFingerprint(deviceId: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startRenewingGateway(options: { certSeconds: number; graceSeconds: number }): Promise<RenewingGateway> {
  const naming = testNamespace();
  const nc: NatsConnection = await connectTestNats();
  const db: TestDatabase = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'keelson-renewal-'));
  const repo = new KeyedRepository({ rootKeys: 1 });
  const getRoot = handlerFor(signer.getRoot, async () => ({ version: 1, development: true, root: repo.rootDocument() }));
  const subscriptions: Subscription[] = serveRequests(nc, naming, [getRoot]);
  const { natsUrl, natsUser, natsPass } = testEnv();
  const port = await freePort();
  const service: RunningService = await launchService({
    name: 'device-gateway',
    entry: join(repoRoot, 'services', 'device-gateway', 'dist', 'main.js'),
    logFile: join(dir, 'device-gateway.log'),
    env: {
      PATH: process.env.PATH,
      KEELSON_NATS_URL: natsUrl,
      KEELSON_NATS_USER: natsUser,
      KEELSON_NATS_PASSWORD: natsPass,
      KEELSON_DATABASE_URL: db.url,
      KEELSON_DATA_DIR: join(dir, 'gateway'),
      KEELSON_HTTP_HOST: '127.0.0.1',
      KEELSON_HTTP_PORT: String(port),
      KEELSON_STREAM_PREFIX: naming.streamPrefix,
      KEELSON_SUBJECT_PREFIX: naming.subjectPrefix,
      KEELSON_MQTT_URL: 'mqtt://127.0.0.1:9',
      KEELSON_FACADE_URL: 'http://127.0.0.1:9',
      KEELSON_INTERNAL_TOKEN: randomBytes(16).toString('hex'),
      KEELSON_AUTH_CALLOUT_SEED: new TextDecoder().decode(createAccount().getSeed()),
      KEELSON_DEVICE_CERT_DAYS: String(options.certSeconds / 86_400),
      KEELSON_DEVICE_CERT_GRACE_DAYS: String(options.graceSeconds / 86_400),
    },
  });
  const gatewayUrl = `http://127.0.0.1:${port}`;
  return {
    gatewayUrl,
    async enrolled(name) {
      const { token } = await sendRequest(nc, naming, gateway.issueEnrollmentToken, { fleet: 'plant-7' });
      const dataDir = join(dir, name);
      await enrollDevice({ gatewayUrl, token, dataDir, name });
      return new DataDirLayout(dataDir);
    },
    currentFingerprint: async (deviceId) =>
      (await sendRequest(nc, naming, gateway.getDeviceCertificate, { fleet: 'plant-7', deviceId })).certificateFingerprint,
    async stop() {
      await service.stop();
      await Promise.all(subscriptions.map((s) => s.drain()));
      await nc.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
