import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
// The agent's enrollment and the CLI's in-process runner: the code `keelson-agent enroll` and `keelson` run.
import { enrollDevice, startAgent, type RunningAgent } from '../services/agent/src/index.js';
import { keelson } from '../services/cli/src/test-fixtures/run-cli.js';
import { deviceFetch, facadePull } from './support/device-https.js';
import { startFleet, type TestFleet } from './support/fleet.js';
import { connectAs } from './support/impostor.js';
import { auditOf, eventually } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 4, device identity: a wiped device enrolls again under its id; its old identity stops working.
describe('re-enrolling a wiped device', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  let replacement: RunningAgent | undefined;

  beforeAll(async () => {
    platform = await startTestPlatform();
    fleet = await startFleet(platform, { count: 1 });
  }, 240_000);

  afterAll(async () => {
    await replacement?.stop();
    await fleet?.stop();
    await platform?.destroy();
  }, 60_000);

  it('keeps the device id and history; the old credentials are refused by the broker and the facade', async () => {
    const old = fleet.devices[0]!;
    expect(await facadePull(platform, old.dataDir)).toBe(200); // its certificate, remembered from here on

    const cli = await keelson(platform.apiUrl, platform.adminToken, 'device', 'token', '--reenroll', old.deviceId);
    expect(cli.code).toBe(0);
    const [, token] = /--token (\S+)/.exec(cli.stdout) ?? [];
    const dataDir = mkdtempSync(join(platform.home, 'replacement-'));
    const hardware = { accelerator: 'hailo-8', memoryMb: 2048 }; // the replacement box is not the one it replaces
    const identity = await enrollDevice({
      gatewayUrl: platform.gatewayUrl,
      token: token!,
      dataDir,
      name: 'sim-1 (replaced)',
      hardware,
      caFingerprint: platform.tls!.caFingerprint,
    });
    expect(identity.deviceId).toBe(old.deviceId);

    // The old agent's session is dropped and its reconnects refused; the facade forgets it at once.
    await eventually('the old agent disconnected', async () => (old.connected ? undefined : true), 5_000);
    await eventually(
      'the facade refusing the old certificate',
      async () => ((await facadePull(platform, old.dataDir)) === 401 ? true : undefined),
      5_000,
    );
    const refused = await deviceFetch(platform, `${platform.facadeUrl}/v1/fleets/default/tuf/1.root.json`, { as: old.dataDir });
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('device.certificate-superseded');
    await expect(connectAs(old.dataDir)).rejects.toThrow(/not authorized/i);
    await old.stop();

    replacement = await startAgent({ dataDir, heartbeatSeconds: 5 });
    await eventually('the replacement connected', async () => (replacement!.connected ? true : undefined), 15_000);
    expect(await facadePull(platform, dataDir)).toBe(200);

    const listed = await platform.api<{ items: { deviceId: string }[] }>('/v1/devices?limit=1000');
    expect(listed.body.items.map((d) => d.deviceId)).toEqual([old.deviceId]); // one device, not two
    // The list (and rollout targeting, which reads the same model) sees the replacement, not the first box.
    const [device] = await eventually(
      'the devices list showing the replacement',
      async () => {
        const { body } = await platform.api<{ items: { name: string; hardware: Record<string, unknown> }[] }>('/v1/devices?limit=1000');
        return body.items[0]?.name === 'sim-1 (replaced)' ? body.items : undefined;
      },
      5_000,
    );
    expect(device).toMatchObject({ name: 'sim-1 (replaced)', hardware: expect.objectContaining(hardware) });
    const history = (await auditOf(platform, `device=${old.deviceId}`)).map((e) => e.type.split('.').at(-1));
    expect(history).toEqual(
      expect.arrayContaining(['DeviceEnrolled', 'ReenrollmentTokenIssued', 'EnrollmentTokenRedeemed', 'DeviceReenrolled']),
    );
    expect(history.indexOf('DeviceEnrolled')).toBeLessThan(history.indexOf('DeviceReenrolled'));
  }, 90_000);

  it('refuses a malformed and a made-up token and audits both, where an operator of the fleet sees them', async () => {
    const attempt = async (token: string) => {
      const res = await deviceFetch(platform, `${platform.gatewayUrl}/v1/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, csr: 'x', name: 'intruder' }),
      });
      return `${res.status} ${((await res.json()) as { error: { code: string } }).error.code}`;
    };
    expect(await attempt('let-me-in')).toBe('401 enrollment.malformed');
    expect(await attempt(`default.et-00000000deadbeef.${'A'.repeat(43)}`)).toBe('401 enrollment.unknown');
    const refusals = await eventually(
      'both refusals audited',
      async () => {
        const entries = (await auditOf(platform, '')).filter((e) => e.type.endsWith('EnrollmentAttemptsRefused'));
        return entries.length >= 2 ? entries : undefined;
      },
      15_000,
    );
    expect(refusals.map((e) => e.data)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ fleet: 'default', claimedFleet: 'let-me-in', reason: 'malformed', attempts: 1 }),
        expect.objectContaining({ fleet: 'default', reason: 'unknown', attempts: 1 }),
      ]),
    );
    expect(JSON.stringify(refusals)).not.toContain('A'.repeat(43)); // the presented secret is never kept
  }, 30_000);
});
