import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAccount } from '@nats-io/nkeys';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import * as x509 from '@peculiar/x509';
import { gateway, signer } from '@keelson/commands';
import { freePort, launchService, type RunningService } from '@keelson/local-infra';
import { callCommand, handlerFor, serveCommands } from '@keelson/service-kit';
import { connectTestNats, createTestDatabase, testEnv, testNamespace, type TestDatabase } from '@keelson/testing';
import { DataDirLayout } from '../data-dir/layout.js';
import { enrollDevice } from '../enrollment/enroll.js';
import { TestTufRepository } from '../test-fixtures/tuf-repository.js';
import { CertificateRenewer } from './certificate-renewer.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const certSeconds = 6;
const graceSeconds = 3;

// The real gateway process with certificates of 6 s and a grace of 3 s, and the agent's renewer.
describe('the agent renewing its certificate', () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let db: TestDatabase;
  let dir: string;
  let service: RunningService;
  let gatewayUrl: string;
  let subscriptions: Subscription[];
  const logs: { event: string; fields: Record<string, unknown> }[] = [];

  const enrolled = async (name: string) => {
    const { token } = await callCommand(nc, naming, gateway.issueEnrollmentToken, { fleet: 'plant-7' });
    const dataDir = join(dir, name);
    await enrollDevice({ gatewayUrl, token, dataDir, name });
    return new DataDirLayout(dataDir);
  };
  const certOf = (layout: DataDirLayout) => new x509.X509Certificate(readFileSync(layout.deviceCertificate, 'utf8'));
  const renewerFor = (layout: DataDirLayout) =>
    new CertificateRenewer({ layout, gatewayUrl, maxWaitMs: 500, log: (event, fields) => logs.push({ event, fields: { ...fields, dir: layout.identityDir } }) });
  const until = async (check: () => boolean, ms = 15_000) => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

  beforeAll(async () => {
    nc = await connectTestNats();
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'keelson-renewal-'));
    const repo = new TestTufRepository();
    subscriptions = serveCommands(nc, naming, [handlerFor(signer.getRoot, async () => ({ version: 1, development: true, root: repo.root }))]);
    const { natsUrl, natsUser, natsPass } = testEnv();
    const port = await freePort();
    service = await launchService({
      name: 'device-gateway', entry: join(repoRoot, 'services', 'device-gateway', 'dist', 'main.js'), logFile: join(dir, 'device-gateway.log'),
      env: {
        PATH: process.env.PATH, KEELSON_NATS_URL: natsUrl, KEELSON_NATS_USER: natsUser, KEELSON_NATS_PASSWORD: natsPass,
        KEELSON_DATABASE_URL: db.url, KEELSON_DATA_DIR: join(dir, 'gateway'), KEELSON_HTTP_HOST: '127.0.0.1', KEELSON_HTTP_PORT: String(port),
        KEELSON_STREAM_PREFIX: naming.streamPrefix, KEELSON_SUBJECT_PREFIX: naming.subjectPrefix,
        KEELSON_MQTT_URL: 'mqtt://127.0.0.1:9', KEELSON_FACADE_URL: 'http://127.0.0.1:9', KEELSON_INTERNAL_TOKEN: randomBytes(16).toString('hex'),
        KEELSON_AUTH_CALLOUT_SEED: new TextDecoder().decode(createAccount().getSeed()),
        KEELSON_DEVICE_CERT_DAYS: String(certSeconds / 86_400), KEELSON_DEVICE_CERT_GRACE_DAYS: String(graceSeconds / 86_400),
      },
    });
    gatewayUrl = `http://127.0.0.1:${port}`;
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await Promise.all(subscriptions.map((s) => s.drain()));
    await nc.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renews once less than a third of the lifetime is left, keeps its key, and again on the new certificate', async () => {
    const layout = await enrolled('steady');
    const first = certOf(layout);
    const renewer = renewerFor(layout);
    renewer.start();
    try {
      await until(() => certOf(layout).serialNumber !== first.serialNumber);
      const renewedAt = Date.now();
      const lifetime = first.notAfter.getTime() - first.notBefore.getTime();
      expect(first.notAfter.getTime() - renewedAt).toBeLessThanOrEqual(lifetime / 3 + 500); // not before it was due
      const second = certOf(layout);
      expect(second.subject).toBe(first.subject);
      expect(Buffer.from(second.publicKey.rawData)).toEqual(Buffer.from(first.publicKey.rawData));
      await until(() => certOf(layout).serialNumber !== second.serialNumber); // the renewed one renews too
    } finally {
      await renewer.stop();
    }
  }, 30_000);

  it('renews on its return after being offline past expiry, within the grace period', async () => {
    const layout = await enrolled('traveller');
    const first = certOf(layout);
    await sleepUntil(first.notAfter.getTime() + 1_000);
    const renewer = renewerFor(layout);
    renewer.start();
    try {
      await until(() => certOf(layout).serialNumber !== first.serialNumber);
      expect(certOf(layout).notAfter.getTime()).toBeGreaterThan(Date.now());
    } finally {
      await renewer.stop();
    }
  }, 30_000);

  it('is refused after the grace period and says the device must enroll again', async () => {
    const layout = await enrolled('hermit');
    const first = certOf(layout);
    await sleepUntil(first.notAfter.getTime() + graceSeconds * 1000 + 1_000);
    const renewer = renewerFor(layout);
    renewer.start();
    try {
      await until(() => logs.some((l) => l.event === 'certificate-renewal-refused' && l.fields.dir === layout.identityDir));
      expect(logs.find((l) => l.event === 'certificate-renewal-refused' && l.fields.dir === layout.identityDir)?.fields.code).toBe('renewal.expired');
      expect(certOf(layout).serialNumber).toBe(first.serialNumber);
    } finally {
      await renewer.stop();
    }
  }, 30_000);
});
