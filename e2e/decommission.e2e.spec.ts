// The CLI's in-process runner: the same code `keelson` runs, against this platform's api.
import { keelson } from '../services/cli/src/test-fixtures/run-cli.js';
import { deviceFetch, deviceKeptFetch, facadePull, recordTlsResumptions } from './support/device-https.js';
import { startFleet, type TestFleet } from './support/fleet.js';
import { brokerRefusals, connectAs } from './support/impostor.js';
import {
  auditOf,
  createGroup,
  createRollout,
  eventually,
  getRollout,
  publishArtifact,
  rolloutBody,
  waitForRollout,
  type ProbeSpec,
} from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 4, device identity: a decommissioned device is cut off at once and leaves every rollout.
const readyProbe: ProbeSpec = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 2 };

describe('decommissioning a device', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;

  beforeAll(async () => {
    // The facade remembers a device's certificate for an hour: only the revocation can make it refuse one in this file.
    platform = await startTestPlatform({ serviceEnv: { 'registry-facade': { KEELSON_DEVICE_CERT_CACHE_SECONDS: '3600' } } });
    fleet = await startFleet(platform, { count: 3 });
  }, 240_000);

  afterAll(async () => {
    await fleet?.stop();
    await platform?.destroy();
  }, 60_000);

  it('drops its live connection, refuses its reconnects and its facade pulls at once, and the audit names the operator', async () => {
    const device = fleet.devices.find((d) => d.name === 'sim-3')!;
    expect(device.connected).toBe(true);
    expect(await facadePull(platform, device.dataDir)).toBe(200); // the facade now remembers its certificate for an hour
    // The device's own kept fetch: a full handshake, then (its connection closed) a resumed session.
    const keptFetch = deviceKeptFetch(platform, device.dataDir);
    const handshakes = recordTlsResumptions(platform.facadeUrl);
    for (let i = 0; i < 2; i++) {
      const pulled = await keptFetch(`${platform.facadeUrl}/v1/fleets/default/tuf/1.root.json`, { closeAfter: true });
      expect(pulled.status).toBe(200);
      await pulled.arrayBuffer();
    }
    expect(handshakes.resumed).toEqual([false, true]);
    handshakes.stop();

    const res = await platform.api<{ deviceId: string; status: string; changed: boolean }>(`/v1/devices/sim-3/decommission`, {
      body: { reason: 'stolen from the dock' },
    });
    expect([res.status, res.body]).toEqual([200, { fleet: 'default', deviceId: device.deviceId, status: 'decommissioned', changed: true }]);

    // Its session was admitted for an hour and the facade's memory lasts an hour: only revocation cuts either off.
    // The facade hears of it from the gateway's event stream, not from the api's answer, so it is polled for.
    await eventually('the device disconnected', async () => (device.connected ? undefined : true));
    const refusal = await eventually('the facade refusing the device', async () => {
      const pulled = await deviceFetch(platform, `${platform.facadeUrl}/v1/fleets/default/tuf/1.root.json`, { as: device.dataDir });
      if (pulled.status === 200) {
        await pulled.body?.cancel();
        return undefined;
      }
      return [pulled.status, ((await pulled.json()) as { error: { code: string } }).error.code];
    });
    expect(refusal).toEqual([401, 'device.decommissioned']);
    // Also on a TLS session resumed from before the decommission (the agent keeps its session for its
    // next connection): a resumed handshake checks no certificate, the facade's check of each request does.
    const resumedHandshake = recordTlsResumptions(platform.facadeUrl);
    const resumedPull = await keptFetch(`${platform.facadeUrl}/v1/fleets/default/tuf/1.root.json`, { closeAfter: true });
    expect([resumedPull.status, ((await resumedPull.json()) as { error: { code: string } }).error.code]).toEqual([
      401,
      'device.decommissioned',
    ]);
    resumedHandshake.stop();
    expect(resumedHandshake.resumed).toEqual([true]);
    await expect(connectAs(device.dataDir)).rejects.toThrow(/not authorized/i);
    // The agent keeps trying: its next try after this one is refused too, and it stays off.
    const refusedSoFar = (await brokerRefusals(platform)).decommissioned ?? 0;
    expect(refusedSoFar).toBeGreaterThanOrEqual(1);
    await eventually(
      "the agent's next try refused",
      async () => (((await brokerRefusals(platform)).decommissioned ?? 0) > refusedSoFar ? true : undefined),
      30_000,
    );
    expect(device.connected).toBe(false);

    const again = await platform.api<{ changed: boolean }>(`/v1/devices/${device.deviceId}/decommission`, { body: {} });
    expect([again.status, again.body.changed]).toEqual([200, false]);
    const listed = await platform.api<{ status: string }>(`/v1/devices/${device.deviceId}`);
    expect(listed.body.status).toBe('decommissioned');
    const entries = await auditOf(platform, `device=${device.deviceId}`);
    const decommissioned = entries.filter((e) => e.type.endsWith('DeviceDecommissioned'));
    expect(decommissioned).toHaveLength(1);
    expect(decommissioned[0]).toMatchObject({
      keelsonactor: 'operator:admin',
      data: { deviceId: device.deviceId, reason: 'stolen from the dock' },
    });
  }, 180_000);

  it('refuses an unknown device with 404 and changes nothing', async () => {
    const res = await platform.api<{ error: { kind: string; code: string } }>('/v1/devices/no-such-device/decommission', { body: {} });
    expect([res.status, res.body.error.code]).toEqual([404, 'device.not-found']);
  });

  it('leaves a rollout under way (decommissioned with the CLI), which then finishes without it', async () => {
    const [online, silent] = [fleet.devices.find((d) => d.name === 'sim-1')!, fleet.devices.find((d) => d.name === 'sim-2')!];
    await createGroup(platform, 'line-9', ['sim-1', 'sim-2']);
    await publishArtifact(platform, {
      name: 'detector',
      version: '1.0.0',
      bytes: Buffer.from(`detector 1.0.0\n${'weights '.repeat(2000)}`),
    });
    await silent.stop(); // it never reports, so the rollout waits for it
    const created = await createRollout(platform, rolloutBody('detector@1.0.0', 'line-9', readyProbe, [100]));
    await eventually('sim-1 healthy while sim-2 holds the rollout', async () => {
      const view = await getRollout(platform, created.rolloutId);
      return view.devices.find((d) => d.deviceId === online.deviceId)?.state === 'healthy' && view.status === 'running' ? true : undefined;
    });

    const cli = await keelson(platform.apiUrl, platform.adminToken, 'device', 'decommission', silent.deviceId, '--reason', 'replaced');
    expect([cli.code, cli.stdout.trim()]).toEqual([0, `${silent.deviceId} decommissioned: credentials revoked, connections dropped`]);

    const done = await waitForRollout(platform, created.rolloutId, ['succeeded', 'failed', 'halted']);
    expect(done.status).toBe('succeeded');
    expect(Object.fromEntries(done.devices.map((d) => [d.deviceId, d.state]))).toEqual({
      [online.deviceId]: 'healthy',
      [silent.deviceId]: 'excluded',
    });
  }, 120_000);
});
