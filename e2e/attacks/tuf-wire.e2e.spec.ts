import { readFileSync } from 'node:fs';
import { flipTargetHash, forgeNextRoot, newSigningKey, versionOf } from '@keelson/tuf/testing';
import type { MetadataProxy } from '@keelson/agent/testing';
import { binFile, firstBinVersions } from './hash-bins.js';
import { startVictim, type Victim } from '../support/attacks/victim.js';
import { keptOnDevice } from '../support/fleet.js';
import { auditOf, eventually, rollOut } from '../support/operator.js';
import type { TestPlatform } from '../support/test-platform.js';
import { DataDirLayout, type SimulatedDevice } from '../../services/agent/src/index.js';

// Issue 4, attack tests: a man in the middle between a real agent and the real facade, changing
// what the signer signed on its way. Every attack fails the device's update with the reason in the
// audit log, and the device keeps running what it ran. (Tampered target *bytes*: e2e/core-loop.)
const timestampSeconds = 20;

describe('attacks on TUF metadata on the wire', () => {
  let platform: TestPlatform;
  let device: SimulatedDevice;
  let proxy: MetadataProxy;

  let victim: Victim | undefined;

  beforeAll(async () => {
    victim = await startVictim({
      serviceEnv: { signer: { KEELSON_TUF_TIMESTAMP_EXPIRY_SECONDS: String(timestampSeconds), KEELSON_TUF_RENEW_CHECK_SECONDS: '5' } },
    });
    ({ platform, device, proxy } = victim);
  }, 240_000);

  afterAll(() => victim?.close(), 60_000);
  afterEach(() => {
    proxy.rewrite = undefined;
    proxy.inject = undefined;
  });

  /** An honest update of the test's own, so that each test has a version the device runs and must keep: returns it as the active file names it. */
  const running = async (version: string) => {
    expect((await rollOut(platform, 'victim', 'detector', version)).status).toBe('succeeded');
    expect(keptOnDevice(device, 'detector', version)).toEqual({ stored: true, active: `detector ${version}` });
    return `detector ${version}`;
  };
  /** The timestamp the facade serves now, through the proxy. */
  const currentTimestamp = async () => {
    const res = await fetch(`${proxy.url}/v1/fleets/default/tuf/timestamp.json`);
    if (res.status !== 200) throw new Error(`timestamp.json answered ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  };

  /** The attacked update failed for `reason`: nothing of it stored, the old version still active, the reason audited. */
  const refusedUpdate = async (version: string, reason: RegExp, activeBefore: string) => {
    const done = await rollOut(platform, 'victim', 'detector', version);
    expect(done.status).toBe('failed');
    expect(done.devices.map((d) => d.state)).toEqual(['failed']);
    expect(keptOnDevice(device, 'detector', version)).toEqual({ stored: false, active: activeBefore });
    // The audit log is a projection of its own: under load it may trail the rollout's view.
    const failed = await eventually(
      'the failed report in the audit log',
      async () => {
        const reports = (await auditOf(platform, `rollout=${done.rolloutId}`)).filter(
          (e) => e.type.endsWith('DeviceReportedProgress') && e.data.state === 'failed',
        );
        return reports.length ? reports : undefined;
      },
      20_000,
    );
    expect(failed.map((e) => e.data.reason)).toEqual([expect.stringMatching(reason)]);
  };

  it('passes an honest update through the proxy', async () => {
    const done = await rollOut(platform, 'victim', 'detector', '1.0.0');
    expect(done.status).toBe('succeeded');
    expect(keptOnDevice(device, 'detector', '1.0.0')).toEqual({ stored: true, active: 'detector 1.0.0' });
    expect(proxy.requests.some((p) => p.endsWith('.targets.json'))).toBe(true);
  }, 120_000);

  it("tampered metadata: one changed byte of the target's hash bin is refused", async () => {
    const before = await running('2.0.0');
    proxy.rewrite = (path, body) => (binFile.test(path) ? flipTargetHash(body) : body);
    await refusedUpdate('2.0.1', /bins-[0-9a-f]+ was signed by 0\/1 keys/, before);
    expect(proxy.requests.some((p) => binFile.test(p))).toBe(true);
  }, 180_000);

  it('mix-and-match: an older version of a bin served for the version the snapshot names is refused', async () => {
    const before = await running('3.0.0');
    const firstVersions = await firstBinVersions(proxy.url);
    expect(versionOf(firstVersions.get('bins-00')!)).toBe(1);
    proxy.rewrite = (path, body) => {
      const m = binFile.exec(path);
      return m && Number(m[1]) > 1 ? firstVersions.get(m[2]!)! : body;
    };
    await refusedUpdate('3.0.1', /version 1 of bins-[0-9a-f]+ does not match snapshot version/i, before);
  }, 180_000);

  it('rollback: an older timestamp, after the device saw a newer one, is refused', async () => {
    // Taken before the honest update below: publishing it signs a newer timestamp, which the device then trusts.
    const older = await currentTimestamp();
    const before = await running('4.0.0');
    proxy.rewrite = (path, body) => (path.endsWith('/timestamp.json') ? older : body);
    await refusedUpdate('4.0.1', new RegExp(`New timestamp version ${versionOf(older)} is less than current version \\d+`), before);
  }, 180_000);

  it('a new root not signed by the threshold of the trusted root is refused, and the device keeps its root', async () => {
    const before = await running('5.0.0');
    const trustedRoot = new DataDirLayout(device.dataDir).trustedRoot;
    const rootBefore = readFileSync(trustedRoot);
    // Whoever holds no root key (here: a key of their own) hands the timestamp role to themselves.
    const attacker = newSigningKey();
    const forged = forgeNextRoot(rootBefore, [attacker], attacker);
    const next = (JSON.parse(forged.toString('utf8')) as { signed: { version: number } }).signed.version;
    proxy.inject = (path) => (path.endsWith(`/${next}.root.json`) ? forged : undefined);
    await refusedUpdate('5.0.1', /root was signed by 0\/1 keys/, before);
    expect(readFileSync(trustedRoot)).toEqual(rootBefore);
    expect(proxy.requests).toContain(`/v1/fleets/default/tuf/${next}.root.json`);
  }, 180_000);

  it('freeze: the timestamp the device last saw, replayed past its expiry, is refused; honest metadata heals it', async () => {
    const before = await running('6.0.0');
    const frozen = proxy.timestamps.at(-1)!;
    proxy.rewrite = (path, body) => (path.endsWith('/timestamp.json') ? frozen : body);
    const expires = Date.parse((JSON.parse(frozen.toString('utf8')) as { signed: { expires: string } }).signed.expires);
    await new Promise((r) => setTimeout(r, Math.max(0, expires - Date.now() + 1_100))); // the freeze only bites once it expired
    await refusedUpdate('6.0.1', /timestamp.json is expired/, before);

    proxy.rewrite = undefined;
    await running('6.0.2');
  }, 180_000);
});
