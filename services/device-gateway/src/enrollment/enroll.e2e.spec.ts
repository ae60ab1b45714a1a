import 'reflect-metadata';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type INestApplication } from '@nestjs/common';
import { connect as connectNats, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { AckPolicy, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import * as x509 from '@peculiar/x509';
import { connectAsync } from 'mqtt';
import { gateway } from '@keelson/commands';
import { applyStreams, eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, parseEnrollmentEvent, type DeviceEvent, type EnrollmentEvent } from '@keelson/events';
import { openDatabase, type Database } from '@keelson/postgres';
import { callCommand, createServiceApp, InfrastructureModule, loadServiceConfig } from '@keelson/service-kit';
import { createTestDatabase, testNamespace, type TestDatabase } from '@keelson/testing';
import { BrokerAuthModule } from '../broker-auth/broker-auth.module.js';
import { DevicesModule } from '../devices/devices.module.js';
import { startCalloutNats, type CalloutNats } from '../test-fixtures/callout-nats.js';
import { csrFor, csrSignedByAnotherKey, deviceKeys, rsaAlgorithm } from '../test-fixtures/device-keys.js';
import { serveFakeSigner } from '../test-fixtures/fake-signer.js';
import { EnrollmentModule } from './enrollment.module.js';
import { EnrollmentTokens } from './enrollment-tokens.js';
import { RefusalLog } from './refusal-log.js';
import { revokeEnrollmentToken } from './revoke-enrollment-token.contract.js';
import type { EnrollResponse } from './enroll-request.js';

const naming = testNamespace();
const streamName = `${naming.streamPrefix}${eventStreams.gateway.name}`;
const meta = { actor: { kind: 'operator', id: 'ada' }, correlationId: 'c-1', commandId: 'x' } as const;
const retiredConsumer = `${naming.streamPrefix}proj-device-credential-revocations`;

describe('POST /v1/enroll and the broker credentials it mints', () => {
  let broker: CalloutNats;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let testDb: TestDatabase;
  let db: Database;
  let app: INestApplication;
  let url: string;
  let dataDir: string;
  let signerSubs: Subscription[];
  let rootRequests: string[];

  const post = async (body: unknown) => {
    const res = await fetch(`${url}/v1/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as EnrollResponse & { error: { code: string; message: string } } };
  };
  const issue = (labels: Record<string, string> = {}) => callCommand(nc, naming, gateway.issueEnrollmentToken, { fleet: 'plant-7', labels });
  const subjects = async (filter: string): Promise<Record<string, number>> =>
    ((await jsm.streams.info(streamName, { subjects_filter: `${naming.subjectPrefix}${filter}` })).state.subjects ?? {}) as Record<string, number>;
  const lastEventOn = async (subject: string) => JSON.parse((await jsm.streams.getMessage(streamName, { last_by_subj: subject }))!.string()) as EnrollmentEvent;
  const credentialRows = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM device_credentials'))[0]!.n);
  const enrollBody = async (token: string, csr?: string) => ({ token, csr: csr ?? (await csrFor(await deviceKeys())), name: 'dock camera 3', hardware: { architecture: 'arm64' }, labels: { site: 'north', line: 'device-says' } });

  beforeAll(async () => {
    broker = await startCalloutNats();
    nc = await connectNats({ servers: broker.nats.url, user: broker.servicesUser, pass: broker.servicesPassword });
    jsm = await jetstreamManager(nc);
    await applyStreams(jsm, naming, [eventStreams.gateway]);
    testDb = await createTestDatabase();
    db = await openDatabase({ url: testDb.url });
    dataDir = mkdtempSync(join(tmpdir(), 'keelson-gw-'));
    ({ subscriptions: signerSubs, requests: rootRequests } = serveFakeSigner(nc, naming));
    // What a release before 2026-12-06 left: the consumer of its credential revocation projection.
    await jsm.consumers.add(streamName, { durable_name: retiredConsumer, ack_policy: AckPolicy.Explicit, filter_subjects: [`${naming.subjectPrefix}ev.device.>`] });
    const config = loadServiceConfig('device-gateway', {
      KEELSON_NATS_URL: broker.nats.url, KEELSON_NATS_USER: broker.servicesUser, KEELSON_NATS_PASSWORD: broker.servicesPassword,
      KEELSON_DATABASE_URL: testDb.url, KEELSON_DATA_DIR: dataDir,
      KEELSON_STREAM_PREFIX: naming.streamPrefix, KEELSON_SUBJECT_PREFIX: naming.subjectPrefix,
      KEELSON_MQTT_URL: broker.nats.mqttUrl, KEELSON_FACADE_URL: 'http://127.0.0.1:9/facade', KEELSON_AUTH_CALLOUT_SEED: broker.issuerSeed,
      KEELSON_ENROLLMENT_AUDIT_FLEET: 'plant-hq', KEELSON_ENROLLMENT_REFUSALS_PER_MINUTE: '25',
      KEELSON_NATS_SYSTEM_USER: broker.systemUser, KEELSON_NATS_SYSTEM_PASSWORD: broker.systemPassword,
    });
    // The devices module revokes a decommissioned device's credentials from the event, as in the gateway.
    @Module({ imports: [InfrastructureModule.forRoot(config), EnrollmentModule, BrokerAuthModule, DevicesModule] })
    class GatewayIdentityApp {}
    app = await createServiceApp(GatewayIdentityApp, config);
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all(signerSubs.map((s) => s.drain()));
    await nc.close();
    await db.close();
    await testDb.drop();
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('issues a token whose secret is returned once and stored only as a digest', async () => {
    const { tokenId, token, expiresAt } = await issue();
    expect(token.startsWith(`plant-7.${tokenId}.`)).toBe(true);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(3500_000);
    const stored = await jsm.streams.getMessage(streamName, { last_by_subj: `${naming.subjectPrefix}ev.enrollment.plant-7.${tokenId}` });
    expect(stored!.string()).not.toContain(token.split('.')[2]);
    expect(JSON.parse(stored!.string())).toMatchObject({ type: 'EnrollmentTokenIssued', data: { fleet: 'plant-7', tokenId } });
  });

  it('enrolls a device: certificate from the fleet CA for the gateway-chosen id, root, broker credentials that work', async () => {
    const { token, tokenId } = await issue({ line: 'dock' });
    const res = await post(await enrollBody(token));
    expect(res.status).toBe(201);
    const e = res.body;
    expect(e.deviceId).toMatch(/^d-[0-9a-f]{16}$/);
    expect(e.fleet).toBe('plant-7');
    const cert = new x509.X509Certificate(e.certificate);
    const ca = new x509.X509Certificate(e.caCertificate);
    expect(await cert.verify({ publicKey: ca.publicKey })).toBe(true);
    expect(cert.subject).toBe(`CN=${e.deviceId}, OU=plant-7, O=Keelson`);
    expect(e.tufRoot).toMatchObject({ signed: { _type: 'root', consistent_snapshot: true } });
    expect(e.broker).toMatchObject({ mqttUrl: broker.nats.mqttUrl, clientId: e.deviceId, username: e.deviceId, topicRoot: `${naming.subjectPrefix.replace('.', '/')}keelson` });
    expect(e.facadeUrl).toBe('http://127.0.0.1:9/facade');

    const deviceSubject = `${naming.subjectPrefix}ev.device.plant-7.${e.deviceId}.DeviceEnrolled`; // typed subjects
    const enrolled = await jsm.streams.getMessage(streamName, { last_by_subj: deviceSubject });
    expect(JSON.parse(enrolled!.string())).toEqual({
      type: 'DeviceEnrolled', schemaVersion: 1,
      data: {
        fleet: 'plant-7', deviceId: e.deviceId, name: 'dock camera 3', certificateSerial: cert.serialNumber.toLowerCase().replace(/^0+/, ''),
        certificateFingerprint: Buffer.from(await cert.getThumbprint('SHA-256')).toString('hex'),
        labels: { site: 'north', line: 'dock' }, hardware: { architecture: 'arm64' }, enrolledWith: tokenId,
      },
    });
    expect(await lastEventOn(`${naming.subjectPrefix}ev.enrollment.plant-7.${tokenId}`)).toMatchObject({ type: 'EnrollmentTokenRedeemed', data: { deviceId: e.deviceId } });
    const everything = await jsm.streams.info(streamName, { subjects_filter: '>' });
    for (const subject of Object.keys(everything.state.subjects ?? {})) {
      const m = await jsm.streams.getMessage(streamName, { last_by_subj: subject });
      expect(m!.string()).not.toContain(e.broker.password);
    }

    const client = await connectAsync(e.broker.mqttUrl, { clientId: e.broker.clientId, username: e.broker.username, password: e.broker.password, clean: false, reconnectPeriod: 0 });
    const hello = nc.subscribe(`${naming.subjectPrefix}keelson.dev.${e.deviceId}.hello`, { max: 1 });
    await nc.flush(); // the server knows the subscription before the device publishes
    await client.publishAsync(`${e.broker.topicRoot}/dev/${e.deviceId}/hello`, '{}', { qos: 1 });
    for await (const m of hello) expect(m.subject.endsWith('.hello')).toBe(true);
    await client.endAsync();
  });

  describe('refuses with 401, records EnrollmentRefused and creates nothing else', () => {
    const expectNothingCreated = async (before: { devices: number; rows: number }) => {
      expect(Object.keys(await subjects('ev.device.>')).length).toBe(before.devices);
      expect(await credentialRows()).toBe(before.rows);
    };
    const snapshot = async () => ({ devices: Object.keys(await subjects('ev.device.>')).length, rows: await credentialRows() });

    it('a replayed token', async () => {
      const { token, tokenId } = await issue();
      expect((await post(await enrollBody(token))).status).toBe(201);
      const before = await snapshot();
      const replay = await post(await enrollBody(token));
      expect([replay.status, replay.body.error.code]).toEqual([401, 'enrollment.used']);
      expect(await lastEventOn(`${naming.subjectPrefix}ev.enrollment.plant-7.${tokenId}`)).toEqual({
        type: 'EnrollmentRefused', schemaVersion: 1, data: { fleet: 'plant-7', tokenId, reason: 'used' },
      });
      await expectNothingCreated(before);
    });

    it('the loser of two devices racing for one token', async () => {
      const { token } = await issue();
      const [a, b] = await Promise.all([post(await enrollBody(token)), post(await enrollBody(token))]);
      expect([a.status, b.status].sort()).toEqual([201, 401]);
      expect([a, b].find((r) => r.status === 401)!.body.error.code).toBe('enrollment.used');
    });

    it('an expired token', async () => {
      const store = new EventStore<EnrollmentEvent>({ nc, naming, stream: eventStreams.gateway, parse: parseEnrollmentEvent });
      const { token, tokenId } = await new EnrollmentTokens(store).issue({ fleet: 'plant-7', ttlSeconds: 60, labels: {} }, { ...meta, commandId: 'old-token' }, new Date(Date.now() - 120_000));
      const before = await snapshot();
      const res = await post(await enrollBody(token));
      expect([res.status, res.body.error.code]).toEqual([401, 'enrollment.expired']);
      expect(await lastEventOn(`${naming.subjectPrefix}ev.enrollment.plant-7.${tokenId}`)).toMatchObject({ type: 'EnrollmentRefused', data: { reason: 'expired' } });
      await expectNothingCreated(before);
    });

    it('a revoked token', async () => {
      const { token, tokenId } = await issue();
      await callCommand(nc, naming, revokeEnrollmentToken, { fleet: 'plant-7', tokenId });
      const before = await snapshot();
      const res = await post(await enrollBody(token));
      expect([res.status, res.body.error.code]).toEqual([401, 'enrollment.revoked']);
      await expectNothingCreated(before);
    });

    it('a made-up token, without creating a CA or asking the signer for its fleet, audited in the audit fleet', async () => {
      const before = await snapshot();
      const forged = `ghost-fleet.et-00000000deadbeef.${'A'.repeat(43)}`;
      const res = await post(await enrollBody(forged));
      expect([res.status, res.body.error.code]).toEqual([401, 'enrollment.unknown']);
      expect(await lastEventOn(`${naming.subjectPrefix}ev.enrollment.plant-hq.refusals`)).toMatchObject({
        type: 'EnrollmentAttemptsRefused', schemaVersion: 1, data: { fleet: 'plant-hq', claimedFleet: 'ghost-fleet', reason: 'unknown', attempts: 1 },
      });
      expect(Object.keys(await subjects('ev.enrollment.ghost-fleet.>'))).toEqual([]); // no aggregate for a token that does not exist
      expect(existsSync(join(dataDir, 'ca', 'ghost-fleet'))).toBe(false);
      expect(rootRequests).not.toContain('ghost-fleet');
      await expectNothingCreated(before);
    });

    it('a wrong secret for a real token, audited on its fleet\'s refusal log, not on the token', async () => {
      const { token, tokenId } = await issue();
      const guessed = `${token.slice(0, token.lastIndexOf('.'))}.${'B'.repeat(43)}`;
      const res = await post(await enrollBody(guessed));
      expect([res.status, res.body.error.code]).toEqual([401, 'enrollment.unknown']);
      expect(await lastEventOn(`${naming.subjectPrefix}ev.enrollment.plant-7.refusals`)).toMatchObject({ type: 'EnrollmentAttemptsRefused', data: { fleet: 'plant-7', reason: 'unknown' } });
      expect(await lastEventOn(`${naming.subjectPrefix}ev.enrollment.plant-7.${tokenId}`)).toMatchObject({ type: 'EnrollmentTokenIssued' });
      expect((await post(await enrollBody(token))).status).toBe(201); // the real token still works
    });

    it('garbage that is no token at all, audited in the audit fleet', async () => {
      const before = await snapshot();
      const res = await post(await enrollBody('let-me-in'));
      expect([res.status, res.body.error.code]).toEqual([401, 'enrollment.malformed']);
      expect(await lastEventOn(`${naming.subjectPrefix}ev.enrollment.plant-hq.refusals`)).toMatchObject({
        type: 'EnrollmentAttemptsRefused', data: { fleet: 'plant-hq', claimedFleet: 'let-me-in', reason: 'malformed', attempts: 1 },
      });
      await expectNothingCreated(before);
    });

    it('a flood of attempts, audited within a bounded number of events that still count every attempt', async () => {
      const store = new EventStore<EnrollmentEvent>({ nc, naming, stream: eventStreams.gateway, parse: parseEnrollmentEvent });
      const refusals = app.get(RefusalLog);
      await refusals.flush();
      const { token, tokenId } = await issue();
      expect((await post(await enrollBody(token))).status).toBe(201);
      const logs = [`${naming.subjectPrefix}ev.enrollment.plant-hq.refusals`, `${naming.subjectPrefix}ev.enrollment.plant-7.refusals`, `${naming.subjectPrefix}ev.enrollment.plant-7.${tokenId}`];
      const lastSeqs = await Promise.all(logs.map(async (subject) => (await store.load(subject)).lastSeq));
      const attempts = 60;
      const answers = await Promise.all(Array.from({ length: attempts }, (_, i) => post({ token: i % 2 ? `junk-${i}` : token, csr: 'x', name: 'flood' })));
      expect(answers.filter((a) => a.body.error?.code === 'enrollment.malformed')).toHaveLength(30);
      expect(answers.filter((a) => a.body.error?.code === 'enrollment.used')).toHaveLength(30);
      await refusals.flush();
      const written = (await Promise.all(logs.map(async (subject, i) => (await store.load(subject, lastSeqs[i])).events.map((r) => r.event)))).flat();
      expect(written.length).toBeLessThanOrEqual(25 + 2); // this minute's budget, then one summary per fleet and reason
      const counted = (reason: string) => written.reduce((n, e) => n + (e.type === 'EnrollmentAttemptsRefused' && e.data.reason === reason ? e.data.attempts : e.type === 'EnrollmentRefused' && e.data.reason === reason ? 1 : 0), 0);
      expect([counted('malformed'), counted('used')]).toEqual([30, 30]);
    });

    // Last in this block: losers that arrive after the winner are refused at the check, which spends
    // this minute's one-by-one audit budget the tests above count on.
    it('every loser of a burst of devices racing for one token, with exactly one device enrolled', async () => {
      const { token, tokenId } = await issue();
      const bodies = await Promise.all(Array.from({ length: 24 }, () => enrollBody(token)));
      const before = await snapshot();
      const answers = await Promise.all(bodies.map(post));
      expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
      expect(answers.filter((a) => a.status !== 201).map((a) => [a.status, a.body.error.code])).toEqual(Array.from({ length: 23 }, () => [401, 'enrollment.used']));
      const winner = answers.find((a) => a.status === 201)!.body;
      expect(await credentialRows()).toBe(before.rows + 1);
      expect(Object.keys(await subjects('ev.device.>')).length).toBe(before.devices + 1);
      const redeemed = (await new EventStore<EnrollmentEvent>({ nc, naming, stream: eventStreams.gateway, parse: parseEnrollmentEvent })
        .load(`${naming.subjectPrefix}ev.enrollment.plant-7.${tokenId}`)).events.filter((r) => r.event.type === 'EnrollmentTokenRedeemed');
      expect(redeemed.map((r) => r.event.type === 'EnrollmentTokenRedeemed' && r.event.data.deviceId)).toEqual([winner.deviceId]);
    });
  });

  describe('refuses a bad request with 400 and leaves the token usable', () => {
    it('a CSR signed by another key, an RSA key, a missing name', async () => {
      const { token } = await issue();
      const before = { devices: Object.keys(await subjects('ev.device.>')).length, rows: await credentialRows() };
      const forged = await post(await enrollBody(token, await csrSignedByAnotherKey()));
      expect([forged.status, forged.body.error.code]).toEqual([400, 'csr.invalid']);
      expect(forged.body.error.message).toMatch(/proof of possession/);
      const rsa = await post(await enrollBody(token, await csrFor(await deviceKeys(rsaAlgorithm))));
      expect([rsa.status, rsa.body.error.message]).toEqual([400, expect.stringMatching(/ECDSA P-256/)]);
      const { name: _name, ...nameless } = await enrollBody(token);
      const invalid = await post(nameless);
      expect([invalid.status, invalid.body.error.code]).toEqual([400, 'enroll.invalid']);
      expect(Object.keys(await subjects('ev.device.>')).length).toBe(before.devices);
      expect(await credentialRows()).toBe(before.rows);
      expect((await post(await enrollBody(token))).status).toBe(201);
    });

    it('a body that is not JSON, one over 100 KiB, one that is not sent as JSON (the Nest route answers it)', async () => {
      const { token } = await issue();
      const before = { devices: Object.keys(await subjects('ev.device.>')).length, rows: await credentialRows() };
      const raw = async (body: string, contentType = 'application/json') => {
        const res = await fetch(`${url}/v1/enroll?from=spec`, { method: 'POST', headers: { 'content-type': contentType }, body });
        return [res.status, ((await res.json()) as { error: { code: string } }).error.code];
      };
      expect(await raw('{"token": "')).toEqual([400, 'enroll.invalid']);
      expect(await raw(JSON.stringify({ ...(await enrollBody(token)), name: 'x'.repeat(101 * 1024) }))).toEqual([413, 'enroll.too-large']);
      expect(await raw(JSON.stringify(await enrollBody(token)), 'text/plain')).toEqual([400, 'enroll.invalid']);
      expect(Object.keys(await subjects('ev.device.>')).length).toBe(before.devices);
      expect(await credentialRows()).toBe(before.rows);
      expect((await post(await enrollBody(token))).status).toBe(201);
    });
  });

  it('drops the live connection of a decommissioned device at once and refuses its reconnects', async () => {
    const { token } = await issue();
    const e = (await post(await enrollBody(token))).body;
    const live = await connectAsync(e.broker.mqttUrl, { clientId: e.deviceId, username: e.deviceId, password: e.broker.password, clean: false, reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => live.once('close', () => resolve()));
    const store = new EventStore<DeviceEvent>({ nc, naming, stream: eventStreams.gateway, parse: parseDeviceEvent });
    const subject = store.subject('device', 'plant-7', e.deviceId);
    const { lastSeq } = await store.load(subject);
    await store.append(subject, lastSeq, [{ type: 'DeviceDecommissioned', schemaVersion: 1, data: { fleet: 'plant-7', deviceId: e.deviceId } }], { ...meta, commandId: `decom-live-${e.deviceId}` });
    await closed; // the session was admitted for an hour: only a kick ends it within the test
    const again = await connectAsync(e.broker.mqttUrl, { clientId: e.deviceId, username: e.deviceId, password: e.broker.password, reconnectPeriod: 0 }).then(async (c) => (await c.endAsync(), 'connected'), (err: Error) => err.message);
    expect(again).toMatch(/not authorized/i);
  });

  describe('re-enrolling a wiped device', () => {
    const connect = (e: EnrollResponse, password = e.broker.password) =>
      connectAsync(e.broker.mqttUrl, { clientId: e.deviceId, username: e.deviceId, password, reconnectPeriod: 0 }).then(async (c) => (await c.endAsync(), 'connected'), (err: Error) => err.message);

    it('gives the same device id a new key, certificate and credentials; the old ones stop, the history stays', async () => {
      const { token } = await issue({ line: 'dock' });
      const old = (await post(await enrollBody(token))).body;
      const oldLive = await connectAsync(old.broker.mqttUrl, { clientId: old.deviceId, username: old.deviceId, password: old.broker.password, clean: false, reconnectPeriod: 0 });
      const oldClosed = new Promise<void>((resolve) => oldLive.once('close', () => resolve()));

      const minted = await callCommand(nc, naming, gateway.issueReenrollmentToken, { fleet: 'plant-7', deviceId: old.deviceId });
      expect(minted.deviceId).toBe(old.deviceId);
      const res = await post({ ...(await enrollBody(minted.token)), name: 'dock camera 3 (replaced)' });
      expect(res.status).toBe(201);
      const fresh = res.body;
      expect(fresh.deviceId).toBe(old.deviceId);
      expect(fresh.certificate).not.toBe(old.certificate);
      expect(fresh.broker.password).not.toBe(old.broker.password);

      await oldClosed; // the old session was admitted for an hour: only the re-enrollment ends it now
      expect(await connect(old)).toMatch(/not authorized/i);
      expect(await connect(fresh)).toBe('connected');

      const store = new EventStore<DeviceEvent>({ nc, naming, stream: eventStreams.gateway, parse: parseDeviceEvent });
      const history = (await store.load(store.subject('device', 'plant-7', old.deviceId))).events.map((r) => r.event);
      expect(history.map((e) => e.type)).toEqual(['DeviceEnrolled', 'DeviceReenrolled']);
      expect(history[1]).toMatchObject({ data: { deviceId: old.deviceId, name: 'dock camera 3 (replaced)', enrolledWith: minted.tokenId } });
      const replay = await post(await enrollBody(minted.token));
      expect([replay.status, replay.body.error.code]).toEqual([401, 'enrollment.used']);
    });

    it('refuses to mint a re-enrollment token for an unknown or a decommissioned device', async () => {
      const refusal = (deviceId: string) => callCommand(nc, naming, gateway.issueReenrollmentToken, { fleet: 'plant-7', deviceId }).then(() => 'minted', (err: Error & { code?: string }) => err.code);
      await expect(refusal('d-00000000000000ff')).resolves.toBe('device.not-found');
      const { token } = await issue();
      const e = (await post(await enrollBody(token))).body;
      const store = new EventStore<DeviceEvent>({ nc, naming, stream: eventStreams.gateway, parse: parseDeviceEvent });
      const subject = store.subject('device', 'plant-7', e.deviceId);
      const { lastSeq } = await store.load(subject);
      await store.append(subject, lastSeq, [{ type: 'DeviceDecommissioned', schemaVersion: 1, data: { fleet: 'plant-7', deviceId: e.deviceId } }], { ...meta, commandId: `decom-re-${e.deviceId}` });
      await expect(refusal(e.deviceId)).resolves.toBe('device.decommissioned');
    });
  });

  it('deleted at start the consumer of the revocation projection older releases ran (every device event was delivered to it)', async () => {
    await expect(jsm.consumers.info(streamName, retiredConsumer)).rejects.toThrow(/consumer not found/i);
  });

  it('revokes the broker credentials of a decommissioned device', async () => {
    const { token } = await issue();
    const e = (await post(await enrollBody(token))).body;
    const store = new EventStore<DeviceEvent>({ nc, naming, stream: eventStreams.gateway, parse: parseDeviceEvent });
    const subject = store.subject('device', 'plant-7', e.deviceId);
    const { lastSeq } = await store.load(subject);
    await store.append(subject, lastSeq, [{ type: 'DeviceDecommissioned', schemaVersion: 1, data: { fleet: 'plant-7', deviceId: e.deviceId } }], { ...meta, commandId: `decom-${e.deviceId}` });
    const connect = () => connectAsync(e.broker.mqttUrl, { clientId: e.deviceId, username: e.deviceId, password: e.broker.password, reconnectPeriod: 0 }).then(async (c) => (await c.endAsync(), 'connected'), (err: Error) => err.message);
    let outcome = await connect();
    for (let i = 0; i < 50 && outcome === 'connected'; i++) outcome = await new Promise((r) => setTimeout(r, 100)).then(connect);
    expect(outcome).toMatch(/not authorized/i);
  });
});
