import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { gateway } from '@keelson/requests';
import { applyStreams, eventStreams, EventStore, type EventStoreNaming } from '@keelson/event-store';
import { parseDeviceEvent, renewalProofMessage, type DeviceEvent } from '@keelson/events';
import {
  sendRequest,
  createServiceApp,
  InfrastructureModule,
  loadServiceConfig,
  systemClock,
  type InfrastructureOptions,
} from '@keelson/service-kit';
import { connectTestNats, createTestDatabase, testEnv, testNamespace } from '@keelson/testing';
import { DeviceTrustModule } from '../device-ca/device-trust.module.js';
import type { EnrollResponse } from '../enrollment/enroll-request.js';
import { RenewalModule } from '../renewal/renewal.module.js';
import { csrFor, deviceKeys } from './device-keys.js';
import { serveFakeSigner } from './fake-signer.js';

type Keys = webcrypto.CryptoKeyPair;
const signing = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** What `POST /v1/renew` (or `/v1/enroll`) answered. */
export interface Answer {
  status: number;
  body: { certificate: string; caCertificate: string; notAfter: string; error: { code: string; message: string } };
}

/** The renewal routes of the gateway in-process (fleet `plant-7`), with what a device needs to call them. */
export interface RenewalApp {
  nc: NatsConnection;
  naming: EventStoreNaming;
  dataDir: string;
  devices: EventStore<DeviceEvent>;
  post(path: string, body: unknown): Promise<Answer>;
  /** Enrolls a device with a fresh key. */
  enroll(): Promise<{ keys: Keys; enrolled: EnrollResponse }>;
  /** The request a device makes: a CSR for `next` (default: the same key), signed by `signer` (default: the current key) at `signedAt` (default: the gateway's clock). */
  renewal(
    certificate: string,
    current: Keys,
    options?: { next?: Keys; signedAt?: Date; signer?: Keys; csrSubject?: string },
  ): Promise<Record<string, string>>;
  eventsOf(deviceId: string): Promise<DeviceEvent[]>;
  close(): Promise<void>;
}

/** `infrastructure.clock` is the time the gateway issues and judges certificates by (default: the system clock). */
export async function startRenewalApp(env: Record<string, string>, infrastructure: InfrastructureOptions = {}): Promise<RenewalApp> {
  const clock = infrastructure.clock ?? systemClock;
  const naming = testNamespace();
  const nc = await connectTestNats();
  await applyStreams(await jetstreamManager(nc), naming, [eventStreams.gateway]);
  const testDb = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'keelson-renew-'));
  const { subscriptions } = serveFakeSigner(nc, naming);
  const { natsUrl, natsUser, natsPass } = testEnv();
  const config = loadServiceConfig('device-gateway', {
    KEELSON_NATS_URL: natsUrl,
    KEELSON_NATS_USER: natsUser,
    KEELSON_NATS_PASSWORD: natsPass,
    KEELSON_DATABASE_URL: testDb.url,
    KEELSON_DATA_DIR: dataDir,
    KEELSON_STREAM_PREFIX: naming.streamPrefix,
    KEELSON_SUBJECT_PREFIX: naming.subjectPrefix,
    KEELSON_MQTT_URL: 'mqtt://127.0.0.1:9',
    KEELSON_FACADE_URL: 'http://127.0.0.1:9/facade',
    KEELSON_DEVICE_CA_KEY_SECRET: 'a secret of at least sixteen characters',
    ...env,
  });
  @Module({ imports: [InfrastructureModule.forRoot(config, infrastructure), RenewalModule, DeviceTrustModule] })
  class RenewalTestApp {}
  const app = await createServiceApp(RenewalTestApp, config);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const devices = new EventStore<DeviceEvent>({ nc, naming, stream: eventStreams.gateway, parse: parseDeviceEvent });
  const post = async (path: string, body: unknown): Promise<Answer> => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  };
  return {
    nc,
    naming,
    dataDir,
    devices,
    post,
    async enroll() {
      const keys = await deviceKeys();
      const { token } = await sendRequest(nc, naming, gateway.issueEnrollmentToken, { fleet: 'plant-7', labels: {} });
      const res = await post('/v1/enroll', { token, csr: await csrFor(keys), name: 'cam' });
      if (res.status !== 201) throw new Error(`enrollment failed: HTTP ${res.status}`);
      return { keys, enrolled: res.body as unknown as EnrollResponse };
    },
    async renewal(certificate, current, options = {}) {
      const csr = await csrFor(options.next ?? current, options.csrSubject);
      const signedAt = (options.signedAt ?? clock.now()).toISOString();
      const proof = renewalProofMessage({ certificate, csr, signedAt }, (text) => createHash('sha256').update(text, 'utf8').digest('hex'));
      const signature = Buffer.from(await webcrypto.subtle.sign(signing, (options.signer ?? current).privateKey, proof)).toString('base64');
      return { certificate, csr, signedAt, signature };
    },
    eventsOf: async (deviceId) => (await devices.load(devices.subject('device', 'plant-7', deviceId))).events.map((r) => r.event),
    async close() {
      await app.close();
      await Promise.all(subscriptions.map((s) => s.drain()));
      await nc.close();
      await testDb.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
