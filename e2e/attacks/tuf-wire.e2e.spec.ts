import { readFileSync } from 'node:fs';
import { forgeNextRoot, newSigningKey } from '../support/attacks/keyed-repository.js';
import type { MetadataProxy } from '../support/attacks/metadata-proxy.js';
import { flipTargetHash, versionOf } from '../support/attacks/tampering.js';
import { binFile, firstBinVersions } from './hash-bins.js';
import { keptOnDevice, rollOut, startVictim, type Victim } from '../support/attacks/victim.js';
import { auditOf, eventually } from '../support/operator.js';
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

  /** The attacked update failed for `reason`: nothing of it stored, the old version still active, the reason audited. */
  const refusedUpdate = async (version: string, reason: RegExp, activeBefore: string | null) => {
    const done = await rollOut(platform, 'victim', 'detector', version);
    expect(done.status).toBe('failed');
    expect(done.devices.map((d) => d.state)).toEqual(['failed']);
    expect(keptOnDevice(device, 'detector', version)).toEqual({ stored: false, active: activeBefore });
    // The audit log is a projection of its own: under load it may trail the rollout's view.
    const failed = await eventually('the failed report in the audit log', async () => {
      const reports = (await auditOf(platform, `rollout=${done.rolloutId}`)).filter((e) => e.type.endsWith('DeviceReportedProgress') && e.data.state === 'failed');
      return reports.length ? reports : undefined;
    }, 20_000);
    expect(failed.map((e) => e.data.reason)).toEqual([expect.stringMatching(reason)]);
  };

  it('passes an honest update through the proxy', async () => {
    const done = await rollOut(platform, 'victim', 'detector', '1.0.0');
    expect(done.status).toBe('succeeded');
    expect(keptOnDevice(device, 'detector', '1.0.0')).toEqual({ stored: true, active: 'detector 1.0.0' });
    expect(proxy.requests.some((p) => p.endsWith('.targets.json'))).toBe(true);
  }, 120_000);

  it('tampered metadata: one changed byte of the target\'s hash bin is refused', async () => {
    proxy.rewrite = (path, body) => (binFile.test(path) ? flipTargetHash(body) : body);
    await refusedUpdate('1.1.0', /bins-[0-9a-f]+ was signed by 0\/1 keys/, 'detector 1.0.0');
    expect(proxy.requests.some((p) => binFile.test(p))).toBe(true);
  }, 120_000);

  it('mix-and-match: an older version of a bin served for the version the snapshot names is refused', async () => {
    proxy.rewrite = undefined;
    const firstVersions = await firstBinVersions(proxy.url);
    expect(versionOf(firstVersions.get('bins-00')!)).toBe(1);
    proxy.rewrite = (path, body) => {
      const m = binFile.exec(path);
      return m && Number(m[1]) > 1 ? firstVersions.get(m[2]!)! : body;
    };
    await refusedUpdate('1.2.0', /version 1 of bins-[0-9a-f]+ does not match snapshot version/i, 'detector 1.0.0');
  }, 120_000);

  it('rollback: an older timestamp, after the device saw a newer one, is refused', async () => {
    proxy.rewrite = undefined;
    expect((await rollOut(platform, 'victim', 'detector', '2.0.0')).status).toBe('succeeded');
    const oldest = proxy.timestamps[0]!;
    proxy.rewrite = (path, body) => (path.endsWith('/timestamp.json') ? oldest : body);
    await refusedUpdate('2.1.0', /New timestamp version \d+ is less than current version \d+/, 'detector 2.0.0');
  }, 120_000);

  it('a new root not signed by the threshold of the trusted root is refused, and the device keeps its root', async () => {
    proxy.rewrite = undefined;
    const trustedRoot = new DataDirLayout(device.dataDir).trustedRoot;
    const before = readFileSync(trustedRoot);
    // Whoever holds no root key (here: a key of their own) hands the timestamp role to themselves.
    const attacker = newSigningKey();
    const forged = forgeNextRoot(before, [attacker], attacker);
    const next = (JSON.parse(forged.toString('utf8')) as { signed: { version: number } }).signed.version;
    proxy.inject = (path) => (path.endsWith(`/${next}.root.json`) ? forged : undefined);
    try {
      await refusedUpdate('2.2.0', /root was signed by 0\/1 keys/, 'detector 2.0.0');
      expect(readFileSync(trustedRoot)).toEqual(before);
      expect(proxy.requests).toContain(`/v1/fleets/default/tuf/${next}.root.json`);
    } finally {
      proxy.inject = undefined;
    }
  }, 120_000);

  it('freeze: the timestamp the device last saw, replayed past its expiry, is refused; honest metadata heals it', async () => {
    proxy.rewrite = undefined;
    expect((await rollOut(platform, 'victim', 'detector', '3.0.0')).status).toBe('succeeded');
    const frozen = proxy.timestamps.at(-1)!;
    proxy.rewrite = (path, body) => (path.endsWith('/timestamp.json') ? frozen : body);
    const expires = Date.parse((JSON.parse(frozen.toString('utf8')) as { signed: { expires: string } }).signed.expires);
    await new Promise((r) => setTimeout(r, Math.max(0, expires - Date.now() + 1_100))); // the freeze only bites once it expired
    await refusedUpdate('3.1.0', /timestamp.json is expired/, 'detector 3.0.0');

    proxy.rewrite = undefined;
    expect((await rollOut(platform, 'victim', 'detector', '3.2.0')).status).toBe('succeeded');
    expect(keptOnDevice(device, 'detector', '3.2.0')).toEqual({ stored: true, active: 'detector 3.2.0' });
  }, 120_000);
});
