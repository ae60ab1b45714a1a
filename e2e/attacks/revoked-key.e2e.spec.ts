import { DataDirLayout, trustedMetadataFiles, type SimulatedDevice } from '../../services/agent/src/index.js';
import type { MetadataProxy } from '@keelson/agent/testing';
import { versionOf } from '@keelson/tuf/testing';
import { startVictim, type Victim } from '../support/attacks/victim.js';
import { keptOnDevice } from '../support/fleet.js';
import { auditOf, eventually, rollOut } from '../support/operator.js';
import type { TestPlatform } from '../support/test-platform.js';
import { binFile, firstBinVersions } from './hash-bins.js';

// Issue 4, attack tests: targets metadata signed by a key the operator has revoked (a rotation of
// the targets key through the API), served to a real agent that followed the rotation. The
// device-level variant, a new target signed with a stolen and then revoked key: services/agent/src/tuf/attacks.int.spec.ts.
describe('targets signed by a revoked key', () => {
  let platform: TestPlatform;
  let device: SimulatedDevice;
  let proxy: MetadataProxy;
  const trusted = (file: 'root.json' | 'targets.json') => trustedMetadataFiles(new DataDirLayout(device.dataDir))[file]!;

  let victim: Victim | undefined;

  beforeAll(async () => {
    victim = await startVictim();
    ({ platform, device, proxy } = victim);
  }, 240_000);

  afterAll(() => victim?.close(), 60_000);

  it('are refused by a device that followed the rotation, which keeps running what it ran', async () => {
    expect((await rollOut(platform, 'victim', 'detector', '1.0.0')).status).toBe('succeeded');
    // Genuine metadata signed by the targets key in force, the key about to be revoked: the top-level
    // targets, and every hash bin at version 1 (the targets the device installs live in bins).
    const signedByOldKey = trusted('targets.json');
    const binsSignedByOldKey = await firstBinVersions(proxy.url);
    const rootBefore = versionOf(trusted('root.json'));

    const rotated = await platform.api<{ role: string; pending: boolean; rootVersion: number }>('/v1/tuf/online-keys/rotate', {
      body: { role: 'targets' },
    });
    expect([rotated.status, rotated.body.role, rotated.body.pending]).toEqual([200, 'targets', false]);
    expect(rotated.body.rootVersion).toBe(rootBefore + 1);
    // The device follows the new root and verifies targets under the new key.
    expect((await rollOut(platform, 'victim', 'detector', '1.1.0')).status).toBe('succeeded');
    expect(versionOf(trusted('root.json'))).toBe(rotated.body.rootVersion);

    proxy.rewrite = (path, body) => {
      const bin = binFile.exec(path);
      return path.endsWith('.targets.json') ? signedByOldKey : bin ? binsSignedByOldKey.get(bin[2]!)! : body;
    };
    const done = await rollOut(platform, 'victim', 'detector', '1.2.0');
    expect(done.status).toBe('failed');
    // Signature first: refused for the revoked key, not merely for its stale version.
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
    expect(failed.map((e) => e.data.reason)).toEqual([expect.stringMatching(/bins-[0-9a-f]+ was signed by 0\/1 keys/)]);
    expect(keptOnDevice(device, 'detector', '1.2.0')).toEqual({ stored: false, active: 'detector 1.1.0' });
    expect(trusted('targets.json').equals(signedByOldKey)).toBe(false);
  }, 180_000);
});
