import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type INestApplication } from '@nestjs/common';
import { connect as connectNats, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { gateway } from '@keelson/requests';
import { applyStreams, eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent, type EnrollmentEvent } from '@keelson/events';
import { openDatabase, type Database } from '@keelson/postgres';
import { sendRequest, createServiceApp, InfrastructureModule, loadServiceConfig } from '@keelson/service-kit';
import { createTestDatabase, testNamespace, type TestNamespace } from '@keelson/testing';
import { BrokerAuthModule } from '../broker-auth/broker-auth.module.js';
import { DevicesModule } from '../devices/devices.module.js';
import { EnrollmentModule } from '../enrollment/enrollment.module.js';
import type { EnrollResponse } from '../enrollment/enroll-request.js';
import { startCalloutNats, type CalloutNats } from './callout-nats.js';
import { csrFor, deviceKeys } from './device-keys.js';
import { serveFakeSigner } from './fake-signer.js';

export const operatorMeta = { actor: { kind: 'operator', id: 'ada' }, correlationId: 'c-1', commandId: 'x' } as const;

/** The gateway's identity half (enrollment, broker auth, devices) on a callout nats-server of its own, as the enroll specs use it. */
export interface EnrollApp {
  broker: CalloutNats;
  nc: NatsConnection;
  jsm: JetStreamManager;
  db: Database;
  app: INestApplication;
  url: string;
  dataDir: string;
  naming: TestNamespace;
  streamName: string;
  /** The consumer a release before 2026-12-06 left for its credential revocation projection (made before the app starts). */
  retiredConsumer: string;
  /** Fleets the fake signer was asked for a TUF root. */
  rootRequests: string[];
  post(body: unknown): Promise<{ status: number; body: EnrollResponse & { error: { code: string; message: string } } }>;
  issue(labels?: Record<string, string>): Promise<{ tokenId: string; token: string; expiresAt: string }>;
  enrollBody(
    token: string,
    csr?: string,
  ): Promise<{ token: string; csr: string; name: string; hardware: { architecture: string }; labels: Record<string, string> }>;
  /** Subjects of the gateway's stream under `filter` (after the prefix), with their message counts. */
  subjects(filter: string): Promise<Record<string, number>>;
  lastEventOn(subject: string): Promise<EnrollmentEvent>;
  credentialRows(): Promise<number>;
  /** Appends `DeviceDecommissioned` to a plant-7 device, as the decommission command does. */
  decommission(deviceId: string, commandId: string): Promise<void>;
  close(): Promise<void>;
}

export async function startEnrollApp(): Promise<EnrollApp> {
  const naming = testNamespace();
  const streamName = `${naming.streamPrefix}${eventStreams.gateway.name}`;
  const retiredConsumer = `${naming.streamPrefix}proj-device-credential-revocations`;
  const broker = await startCalloutNats();
  const nc = await connectNats({ servers: broker.nats.url, user: broker.servicesUser, pass: broker.servicesPassword });
  const jsm = await jetstreamManager(nc);
  await applyStreams(jsm, naming, [eventStreams.gateway]);
  const testDb = await createTestDatabase();
  const db = await openDatabase({ url: testDb.url });
  const dataDir = mkdtempSync(join(tmpdir(), 'keelson-gw-'));
  const { subscriptions: signerSubs, requests: rootRequests } = serveFakeSigner(nc, naming);
  await jsm.consumers.add(streamName, {
    durable_name: retiredConsumer,
    ack_policy: AckPolicy.Explicit,
    filter_subjects: [`${naming.subjectPrefix}ev.device.>`],
  });
  const config = loadServiceConfig('device-gateway', {
    KEELSON_NATS_URL: broker.nats.url,
    KEELSON_NATS_USER: broker.servicesUser,
    KEELSON_NATS_PASSWORD: broker.servicesPassword,
    KEELSON_DATABASE_URL: testDb.url,
    KEELSON_DATA_DIR: dataDir,
    KEELSON_STREAM_PREFIX: naming.streamPrefix,
    KEELSON_SUBJECT_PREFIX: naming.subjectPrefix,
    KEELSON_MQTT_URL: broker.nats.mqttUrl,
    KEELSON_FACADE_URL: 'http://127.0.0.1:9/facade',
    KEELSON_AUTH_CALLOUT_SEED: broker.issuerSeed,
    KEELSON_ENROLLMENT_AUDIT_FLEET: 'plant-hq',
    KEELSON_ENROLLMENT_REFUSALS_PER_MINUTE: '25',
    KEELSON_NATS_SYSTEM_USER: broker.systemUser,
    KEELSON_NATS_SYSTEM_PASSWORD: broker.systemPassword,
  });
  // The devices module revokes a decommissioned device's credentials from the event, as in the gateway.
  @Module({ imports: [InfrastructureModule.forRoot(config), EnrollmentModule, BrokerAuthModule, DevicesModule] })
  class GatewayIdentityApp {}
  const app = await createServiceApp(GatewayIdentityApp, config);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const devices = new EventStore<DeviceEvent>({ nc, naming, stream: eventStreams.gateway, parse: parseDeviceEvent });

  return {
    broker,
    nc,
    jsm,
    db,
    app,
    url,
    dataDir,
    naming,
    streamName,
    retiredConsumer,
    rootRequests,
    async post(body) {
      const res = await fetch(`${url}/v1/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as EnrollResponse & { error: { code: string; message: string } } };
    },
    issue: (labels = {}) => sendRequest(nc, naming, gateway.issueEnrollmentToken, { fleet: 'plant-7', labels }),
    enrollBody: async (token, csr) => ({
      token,
      csr: csr ?? (await csrFor(await deviceKeys())),
      name: 'dock camera 3',
      hardware: { architecture: 'arm64' },
      labels: { site: 'north', line: 'device-says' },
    }),
    subjects: async (filter) =>
      ((await jsm.streams.info(streamName, { subjects_filter: `${naming.subjectPrefix}${filter}` })).state.subjects ?? {}) as Record<
        string,
        number
      >,
    lastEventOn: async (subject) =>
      JSON.parse((await jsm.streams.getMessage(streamName, { last_by_subj: subject }))!.string()) as EnrollmentEvent,
    credentialRows: async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM device_credentials'))[0]!.n),
    async decommission(deviceId, commandId) {
      const subject = devices.subject('device', 'plant-7', deviceId);
      const { lastSeq } = await devices.load(subject);
      await devices.append(subject, lastSeq, [{ type: 'DeviceDecommissioned', schemaVersion: 1, data: { fleet: 'plant-7', deviceId } }], {
        ...operatorMeta,
        commandId,
      });
    },
    async close() {
      await app.close();
      await Promise.all(signerSubs.map((s) => s.drain()));
      await nc.close();
      await db.close();
      await testDb.drop();
      await broker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
