import 'reflect-metadata';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import * as x509 from '@peculiar/x509';
import { connectAsync } from 'mqtt';
import { gateway } from '@keelson/requests';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, parseGroupEvent, type DeviceEvent, type GroupEvent } from '@keelson/events';
import { sendRequest } from '@keelson/service-kit';
import { startEnrollApp, type EnrollApp } from '../test-fixtures/enroll-app.js';
import type { EnrollResponse } from './enroll-request.js';

// Refusals (401 and 400) are in enroll-refusals.e2e.spec.ts.
describe('POST /v1/enroll and the broker credentials it mints', () => {
  let t: EnrollApp;
  beforeAll(async () => {
    t = await startEnrollApp();
  });
  afterAll(() => t?.close());

  it('issues a token whose secret is returned once and stored only as a digest', async () => {
    const { tokenId, token, expiresAt } = await t.issue();
    expect(token.startsWith(`plant-7.${tokenId}.`)).toBe(true);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(3500_000);
    const stored = await t.jsm.streams.getMessage(t.streamName, {
      last_by_subj: `${t.naming.subjectPrefix}ev.enrollment.plant-7.${tokenId}`,
    });
    expect(stored!.string()).not.toContain(token.split('.')[2]);
    expect(JSON.parse(stored!.string())).toMatchObject({ type: 'EnrollmentTokenIssued', data: { fleet: 'plant-7', tokenId } });
  });

  it('enrolls a device: certificate from the fleet CA for the gateway-chosen id, root, broker credentials that work', async () => {
    const { token, tokenId } = await t.issue({ line: 'dock' });
    const res = await t.post(await t.enrollBody(token));
    expect(res.status).toBe(201);
    const e = res.body;
    expect(e.deviceId).toMatch(/^d-[0-9a-f]{16}$/);
    expect(e.fleet).toBe('plant-7');
    const cert = new x509.X509Certificate(e.certificate);
    const ca = new x509.X509Certificate(e.caCertificate);
    expect(await cert.verify({ publicKey: ca.publicKey })).toBe(true);
    expect(cert.subject).toBe(`CN=${e.deviceId}, OU=plant-7, O=Keelson`);
    expect(e.tufRoot).toMatchObject({ signed: { _type: 'root', consistent_snapshot: true } });
    expect(e.broker).toMatchObject({
      mqttUrl: t.broker.nats.mqttUrl,
      clientId: e.deviceId,
      username: e.deviceId,
      topicRoot: `${t.naming.subjectPrefix.replace('.', '/')}keelson`,
    });
    expect(e.facadeUrl).toBe('http://127.0.0.1:9/facade');

    const deviceSubject = `${t.naming.subjectPrefix}ev.device.plant-7.${e.deviceId}.DeviceEnrolled`; // typed subjects
    const enrolled = await t.jsm.streams.getMessage(t.streamName, { last_by_subj: deviceSubject });
    expect(JSON.parse(enrolled!.string())).toEqual({
      type: 'DeviceEnrolled',
      schemaVersion: 1,
      data: {
        fleet: 'plant-7',
        deviceId: e.deviceId,
        name: 'dock camera 3',
        certificateSerial: cert.serialNumber.toLowerCase().replace(/^0+/, ''),
        certificateFingerprint: Buffer.from(await cert.getThumbprint('SHA-256')).toString('hex'),
        labels: { site: 'north', line: 'dock' },
        hardware: { architecture: 'arm64' },
        enrolledWith: tokenId,
        notAfter: cert.notAfter.toISOString(),
      },
    });
    expect(await t.lastEventOn(`${t.naming.subjectPrefix}ev.enrollment.plant-7.${tokenId}`)).toMatchObject({
      type: 'EnrollmentTokenRedeemed',
      data: { deviceId: e.deviceId },
    });
    const everything = await t.jsm.streams.info(t.streamName, { subjects_filter: '>' });
    for (const subject of Object.keys(everything.state.subjects ?? {})) {
      const m = await t.jsm.streams.getMessage(t.streamName, { last_by_subj: subject });
      expect(m!.string()).not.toContain(e.broker.password);
    }

    const client = await connectAsync(e.broker.mqttUrl, {
      clientId: e.broker.clientId,
      username: e.broker.username,
      password: e.broker.password,
      clean: false,
      reconnectPeriod: 0,
    });
    const hello = t.nc.subscribe(`${t.naming.subjectPrefix}keelson.dev.${e.deviceId}.hello`, { max: 1 });
    await t.nc.flush(); // the server knows the subscription before the device publishes
    await client.publishAsync(`${e.broker.topicRoot}/dev/${e.deviceId}/hello`, '{}', { qos: 1 });
    for await (const m of hello) expect(m.subject.endsWith('.hello')).toBe(true);
    await client.endAsync();
  });

  it('puts a device enrolled with a token that names a group into that group, beside its members', async () => {
    const groups = new EventStore<GroupEvent>({ nc: t.nc, naming: t.naming, stream: eventStreams.gateway, parse: parseGroupEvent });
    const groupId = 'g-0123456789abcdef';
    const subject = groups.subject('group', 'plant-7', groupId);
    const meta = { actor: { kind: 'service' as const, id: 'spec' }, correlationId: 'spec', commandId: `create-${groupId}` };
    await groups.append(
      subject,
      0,
      [
        {
          type: 'GroupCreated',
          schemaVersion: 1,
          data: { fleet: 'plant-7', groupId, name: 'dock', deviceIds: ['d-0000000000000001'], unresolvedNames: [] },
        },
      ],
      meta,
    );
    const { token } = await sendRequest(t.nc, t.naming, gateway.issueEnrollmentToken, { fleet: 'plant-7', groupId });
    const enrolled = (await t.post(await t.enrollBody(token))).body;
    const history = (await groups.load(subject)).events.map((r) => r.event);
    expect(history.at(-1)).toEqual({
      type: 'GroupMembersChanged',
      schemaVersion: 1,
      data: { fleet: 'plant-7', groupId, deviceIds: ['d-0000000000000001', enrolled.deviceId], unresolvedNames: [] },
    });
  });

  it('drops the live connection of a decommissioned device at once and refuses its reconnects', async () => {
    const { token } = await t.issue();
    const e = (await t.post(await t.enrollBody(token))).body;
    const live = await connectAsync(e.broker.mqttUrl, {
      clientId: e.deviceId,
      username: e.deviceId,
      password: e.broker.password,
      clean: false,
      reconnectPeriod: 0,
    });
    const closed = new Promise<void>((resolve) => live.once('close', () => resolve()));
    await t.decommission(e.deviceId, `decom-live-${e.deviceId}`);
    await closed; // the session was admitted for an hour: only a kick ends it within the test
    const again = await connectAsync(e.broker.mqttUrl, {
      clientId: e.deviceId,
      username: e.deviceId,
      password: e.broker.password,
      reconnectPeriod: 0,
    }).then(
      async (c) => (await c.endAsync(), 'connected'),
      (err: Error) => err.message,
    );
    expect(again).toMatch(/not authorized/i);
  });

  describe('re-enrolling a wiped device', () => {
    const connect = (e: EnrollResponse, password = e.broker.password) =>
      connectAsync(e.broker.mqttUrl, { clientId: e.deviceId, username: e.deviceId, password, reconnectPeriod: 0 }).then(
        async (c) => (await c.endAsync(), 'connected'),
        (err: Error) => err.message,
      );

    it('gives the same device id a new key, certificate and credentials; the old ones stop, the history stays', async () => {
      const { token } = await t.issue({ line: 'dock' });
      const old = (await t.post(await t.enrollBody(token))).body;
      const oldLive = await connectAsync(old.broker.mqttUrl, {
        clientId: old.deviceId,
        username: old.deviceId,
        password: old.broker.password,
        clean: false,
        reconnectPeriod: 0,
      });
      const oldClosed = new Promise<void>((resolve) => oldLive.once('close', () => resolve()));

      const minted = await sendRequest(t.nc, t.naming, gateway.issueReenrollmentToken, { fleet: 'plant-7', deviceId: old.deviceId });
      expect(minted.deviceId).toBe(old.deviceId);
      const res = await t.post({ ...(await t.enrollBody(minted.token)), name: 'dock camera 3 (replaced)' });
      expect(res.status).toBe(201);
      const fresh = res.body;
      expect(fresh.deviceId).toBe(old.deviceId);
      expect(fresh.certificate).not.toBe(old.certificate);
      expect(fresh.broker.password).not.toBe(old.broker.password);

      await oldClosed; // the old session was admitted for an hour: only the re-enrollment ends it now
      expect(await connect(old)).toMatch(/not authorized/i);
      expect(await connect(fresh)).toBe('connected');

      const store = new EventStore<DeviceEvent>({ nc: t.nc, naming: t.naming, stream: eventStreams.gateway, parse: parseDeviceEvent });
      const history = (await store.load(store.subject('device', 'plant-7', old.deviceId))).events.map((r) => r.event);
      expect(history.map((e) => e.type)).toEqual(['DeviceEnrolled', 'DeviceReenrolled']);
      const freshCert = new x509.X509Certificate(fresh.certificate);
      expect(history[1]).toMatchObject({
        data: {
          deviceId: old.deviceId,
          name: 'dock camera 3 (replaced)',
          enrolledWith: minted.tokenId,
          notAfter: freshCert.notAfter.toISOString(),
        },
      });
      const replay = await t.post(await t.enrollBody(minted.token));
      expect([replay.status, replay.body.error.code]).toEqual([401, 'enrollment.used']);
    });

    it('refuses to mint a re-enrollment token for an unknown or a decommissioned device', async () => {
      const refusal = (deviceId: string) =>
        sendRequest(t.nc, t.naming, gateway.issueReenrollmentToken, { fleet: 'plant-7', deviceId }).then(
          () => 'minted',
          (err: Error & { code?: string }) => err.code,
        );
      await expect(refusal('d-00000000000000ff')).resolves.toBe('device.not-found');
      const { token } = await t.issue();
      const e = (await t.post(await t.enrollBody(token))).body;
      await t.decommission(e.deviceId, `decom-re-${e.deviceId}`);
      await expect(refusal(e.deviceId)).resolves.toBe('device.decommissioned');
    });
  });

  it('answers a JSON enrollment on the server itself, in front of express (the route the enrollment module installs at start)', async () => {
    const { token } = await t.issue();
    const res = await fetch(`${t.url}/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(await t.enrollBody(token)),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-powered-by')).toBeNull(); // express names itself on every answer it writes
  });

  it('closes the connection of every enrollment answer, a refusal too (a device asks nothing more of this server)', async () => {
    const { token } = await t.issue();
    const body = JSON.stringify(await t.enrollBody(token));
    const agent = new Agent({ keepAlive: true }); // a client that would keep the connection for a next request
    try {
      for (const expected of [201, 401]) {
        // the same token again: used
        const answer = await new Promise<{ status: number; connection: string | undefined; closed: Promise<unknown> }>(
          (resolve, reject) => {
            const req = request(
              `${t.url}/v1/enroll`,
              { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
              (res) => {
                res.resume();
                resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, closed: once(req.socket!, 'close') });
              },
            );
            req.on('error', reject);
            req.end(body);
          },
        );
        expect([answer.status, answer.connection]).toEqual([expected, 'close']);
        await answer.closed; // the server ends the connection: the client keeps none for a next request
      }
    } finally {
      agent.destroy();
    }
  });

  it('deleted at start the consumer of the revocation projection older releases ran (every device event was delivered to it)', async () => {
    await expect(t.jsm.consumers.info(t.streamName, t.retiredConsumer)).rejects.toThrow(/consumer not found/i);
  });

  it('revokes the broker credentials of a decommissioned device', async () => {
    const { token } = await t.issue();
    const e = (await t.post(await t.enrollBody(token))).body;
    await t.decommission(e.deviceId, `decom-${e.deviceId}`);
    const connect = () =>
      connectAsync(e.broker.mqttUrl, { clientId: e.deviceId, username: e.deviceId, password: e.broker.password, reconnectPeriod: 0 }).then(
        async (c) => (await c.endAsync(), 'connected'),
        (err: Error) => err.message,
      );
    let outcome = await connect();
    for (let i = 0; i < 50 && outcome === 'connected'; i++) outcome = await new Promise((r) => setTimeout(r, 100)).then(connect);
    expect(outcome).toMatch(/not authorized/i);
  });
});
