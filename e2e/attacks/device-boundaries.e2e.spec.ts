import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLayout, enrollDevice, type SimulatedFleet } from '../../services/agent/src/index.js';
import { startSecondFleet, publishToFleet } from '../support/attacks/second-fleet.js';
import { blobName } from '@keelson/tuf/testing';
import { deviceFetch } from '../support/device-https.js';
import { startFleet, type TestFleet } from '../support/fleet.js';
import { brokerRefusals, connectAs } from '../support/impostor.js';
import { auditOf, createGroup, eventually, rollOut } from '../support/operator.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

// Issue 4, attack tests: a device reaching past its own identity and fleet. (Publishing under another
// device's id: e2e/bad-input; a decommissioned device's live session dropped: e2e/decommission.)
describe('a device stays inside its own identity and fleet', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  let other: SimulatedFleet;
  const dirs: string[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform();
    fleet = await startFleet(platform, { count: 2 });
    other = await startSecondFleet(platform, 'other', 1);
  }, 240_000);

  afterAll(async () => {
    await fleet?.stop();
    await other?.stop();
    await platform?.destroy();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("refuses a subscription to another device's desired state (SUBACK 0x80) and delivers it nothing", async () => {
    const [a, b] = fleet.devices;
    await a!.stop(); // a is compromised: someone else holds its broker credentials
    const impostor = await connectAs(a!.dataDir);
    const received: string[] = [];
    impostor.client.on('message', (topic) => received.push(topic));
    try {
      // mqtt.js rejects a SUBACK carrying a failure code; the packet's granted list says which.
      const granted = (topic: string) =>
        impostor.client.subscribeAsync(topic, { qos: 1 }).then(
          (grants) => grants[0]!.qos,
          (err: { packet?: { granted?: number[] } }) => err.packet?.granted?.[0] ?? Promise.reject(err as Error),
        );
      expect(await granted(`${impostor.topicRoot}/cmd/${a!.deviceId}/desired`)).toBe(1); // its own: allowed
      expect(await granted(`${impostor.topicRoot}/cmd/${b!.deviceId}/desired`)).toBe(0x80);
      expect(await granted(`${impostor.topicRoot}/cmd/+/desired`)).toBe(0x80);
      expect(await granted(`${impostor.topicRoot}/#`)).toBe(0x80);

      await createGroup(platform, 'only-b', [b!.name]);
      const done = await rollOut(platform, 'only-b', 'detector', '1.0.0');
      expect(done.status).toBe('succeeded'); // b was sent its desired state and acted on it
      expect(received).toEqual([]);
    } finally {
      await impostor.client.endAsync();
    }
  }, 120_000);

  it("answers 403 to a device of one fleet asking for another fleet's metadata or artifact, and audits each attempt in its own fleet", async () => {
    const since = new Date(Date.now() - 1_000).toISOString();
    const [intruder] = fleet.devices;
    const [owner] = other.devices;
    const published = await publishToFleet(platform, 'other', 'segmenter', '1.0.0', 'fleet other weights');
    const paths = ['tuf/1.root.json', 'tuf/timestamp.json', `targets/${blobName(published.targetPath, published.sha256)}`];
    const get = async (dataDir: string, fleetName: string, path: string) => {
      const res = await deviceFetch(platform, `${platform.facadeUrl}/v1/fleets/${fleetName}/${path}`, { as: dataDir });
      return { status: res.status, body: await res.text() };
    };
    // The fleet's own device reads all of it: the paths are right, only the asker differs.
    for (const path of paths) expect((await get(owner!.dataDir, 'other', path)).status).toBe(200);
    expect((await get(owner!.dataDir, 'other', paths[2]!)).body).toBe('fleet other weights');
    for (const path of paths) {
      const answer = await get(intruder!.dataDir, 'other', path);
      expect(answer.status).toBe(403);
      expect(answer.body).not.toContain('fleet other weights');
      expect((JSON.parse(answer.body) as { error: { kind: string } }).error.kind).toBeDefined();
    }
    expect((await get(intruder!.dataDir, 'default', 'tuf/timestamp.json')).status).toBe(200);

    // The operator of the intruder's fleet sees which device reached for what; fleet other's log names no foreign device.
    const refusals = await eventually(
      'the refused reads in the audit log',
      async () => {
        const entries = (await auditOf(platform, `device=${intruder!.deviceId}&since=${since}`)).filter((e) =>
          e.type.endsWith('.DeviceAccessRefused'),
        );
        return entries.length >= paths.length ? entries : undefined;
      },
      20_000,
    );
    expect(refusals.map((e) => [e.keelsonactor, e.data.fleet, e.data.reason, e.data.deviceId, e.data.requestedFleet, e.data.path])).toEqual(
      paths.map((path) => [
        'service:registry-facade',
        'default',
        'device.wrong-fleet',
        intruder!.deviceId,
        'other',
        `/v1/fleets/other/${path}`,
      ]),
    );
    for (const e of refusals) expect(e.data.certificateFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(await auditOf(platform, `fleet=other&device=${intruder!.deviceId}`)).toEqual([]);
  }, 120_000);

  it('refuses a replayed enrollment token, enrolls nothing, and audits the attempt', async () => {
    const since = new Date(Date.now() - 1_000).toISOString();
    const { body: issued } = await platform.api<{ tokenId: string; token: string; gatewayUrl: string; caFingerprint: string }>(
      '/v1/enrollment-tokens',
      { body: {} },
    );
    const [first, second] = [mkdtempSync(join(tmpdir(), 'keelson-replay-')), mkdtempSync(join(tmpdir(), 'keelson-replay-'))];
    dirs.push(first, second);
    const countDevices = async () => (await platform.api<{ items: unknown[] }>('/v1/devices?limit=1000')).body.items.length;
    const { gatewayUrl, token, caFingerprint } = issued;
    const enroll = (dataDir: string, name: string) => enrollDevice({ gatewayUrl, token, dataDir, name, caFingerprint });
    await enroll(first, 'genuine');
    const enrolled = await eventually('the genuine device listed', async () => {
      const n = await countDevices();
      return n === fleet.devices.length + 1 ? n : undefined;
    });

    await expect(enroll(second, 'replayed')).rejects.toThrow(/already been used/);
    expect(existsSync(new DataDirLayout(second).enrollment)).toBe(false);
    expect(existsSync(new DataDirLayout(second).brokerCredentials)).toBe(false);
    const refusal = await eventually(
      'the refused replay in the audit log',
      async () => {
        const entries = await auditOf(platform, `since=${since}`);
        return entries.find(
          (e) =>
            /EnrollmentRefused|EnrollmentAttemptsRefused/.test(e.type) && e.data.reason === 'used' && e.data.tokenId === issued.tokenId,
        );
      },
      20_000,
    );
    expect(refusal.data.fleet).toBe('default');
    expect(JSON.stringify(refusal)).not.toContain(issued.token);
    expect(await countDevices()).toBe(enrolled);
  }, 120_000);

  it("refuses a decommissioned device's reconnects and pulls with its old credentials, and counts the refusals", async () => {
    const [, b] = fleet.devices;
    const refusedDecommissioned = async () => (await brokerRefusals(platform)).decommissioned ?? 0;
    const before = await refusedDecommissioned();
    const res = await platform.api<{ status: string }>(`/v1/devices/${b!.deviceId}/decommission`, { body: { reason: 'lost in transit' } });
    expect([res.status, res.body.status]).toEqual([200, 'decommissioned']);
    await b!.stop();

    // The API answers once the credentials are revoked: a reconnect right after it is refused.
    await expect(connectAs(b!.dataDir)).rejects.toThrow(/not authorized/i);
    const pull = await deviceFetch(platform, `${platform.facadeUrl}/v1/fleets/default/tuf/timestamp.json`, { as: b!.dataDir });
    expect([pull.status, ((await pull.json()) as { error: { code: string } }).error.code]).toEqual([401, 'device.decommissioned']);
    const refusedPull = await eventually(
      'the refused pull in the audit log',
      async () => (await auditOf(platform, `device=${b!.deviceId}`)).find((e) => e.type.endsWith('.DeviceAccessRefused')),
      20_000,
    );
    expect(refusedPull.data).toMatchObject({
      fleet: 'default',
      reason: 'device.decommissioned',
      deviceId: b!.deviceId,
      path: '/v1/fleets/default/tuf/timestamp.json',
    });
    expect(
      await eventually('the refused reconnect counted', async () => ((await refusedDecommissioned()) > before ? true : undefined), 10_000),
    ).toBe(true);
    const audit = await eventually(
      'the decommission in the audit log',
      async () => {
        const entries = (await auditOf(platform, `device=${b!.deviceId}`)).filter((e) => e.type.endsWith('DeviceDecommissioned'));
        return entries.length ? entries : undefined;
      },
      20_000,
    );
    expect(audit.map((e) => [e.keelsonactor, e.data.reason])).toEqual([['operator:admin', 'lost in transit']]);
  }, 60_000);
});
