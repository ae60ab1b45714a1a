import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlatformOptions } from '@keelson/local-infra';
import { keptOnDevice, startFleet, type TestFleet } from './support/fleet.js';
import { auditOf, createGroup, eventually, rollOut } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 4, credential rotation: the runbook's rotation of KEELSON_SIGNER_KEY_SECRET on a whole
// installation (the signer under its own NATS user), with a real agent verifying every update.
const secretA = 'signer key secret A, from before the rotation';
const secretB = 'signer key secret B, from after the rotation';

describe('rotating the signer key secret on a running installation', () => {
  // startPlatform reads serviceEnv at each (re)start: the spec changes the signer's configuration here.
  const serviceEnv: NonNullable<PlatformOptions['serviceEnv']> = { signer: { KEELSON_SIGNER_KEY_SECRET: secretA } };
  let platform: TestPlatform;
  let fleet: TestFleet;

  beforeAll(async () => {
    platform = await startTestPlatform({ serviceEnv });
    fleet = await startFleet(platform, { count: 1 });
    await createGroup(platform, 'edge', [fleet.devices[0]!.name]);
  }, 240_000);

  afterAll(async () => {
    await fleet?.stop();
    await platform?.destroy();
  }, 60_000);

  const keysDir = () => join(platform.home, 'signer', 'keys');
  const keyFiles = () =>
    readdirSync(keysDir())
      .flatMap((fleetDir) => readdirSync(join(keysDir(), fleetDir)).map((f) => `${fleetDir}/${f}`))
      .sort();
  const rotations = async () =>
    (await auditOf(platform, 'fleet=default')).filter((e) => e.type === 'io.keelson.signer.PlatformSecretRotated');
  const restartSigner = async (env: NodeJS.ProcessEnv) => {
    serviceEnv.signer = env;
    await platform.services.signer!.stop();
    return platform.restart('signer');
  };

  it('re-seals the keys at a restart with the previous secret, audits it once, and the device keeps verifying updates', async () => {
    const device = fleet.devices[0]!;
    expect((await rollOut(platform, 'edge', 'detector', '1.0.0')).status).toBe('succeeded');
    const before = keyFiles();
    expect(before.length).toBeGreaterThanOrEqual(4);

    // A wrong previous secret: the signer refuses to start, naming the variables, and no key file changes.
    const sealed = Object.fromEntries(before.map((f) => [f, readFileSync(join(keysDir(), f), 'utf8')]));
    await expect(
      restartSigner({ KEELSON_SIGNER_KEY_SECRET: secretB, KEELSON_SIGNER_KEY_SECRET_PREVIOUS: 'not the secret the keys are under' }),
    ).rejects.toThrow(/neither KEELSON_SIGNER_KEY_SECRET nor KEELSON_SIGNER_KEY_SECRET_PREVIOUS opens signer key/);
    expect(Object.fromEntries(before.map((f) => [f, readFileSync(join(keysDir(), f), 'utf8')]))).toEqual(sealed);

    await restartSigner({ KEELSON_SIGNER_KEY_SECRET: secretB, KEELSON_SIGNER_KEY_SECRET_PREVIOUS: secretA });
    const audited = await eventually(
      'the rotation in the audit log',
      async () => {
        const found = await rotations();
        return found.length ? found : undefined;
      },
      30_000,
    );
    expect(audited.map((e) => [e.keelsonactor, e.data])).toEqual([
      [
        'service:signer',
        {
          fleet: 'default',
          credential: 'KEELSON_SIGNER_KEY_SECRET',
          service: 'signer',
          keys: before.length,
          rotatedAt: expect.any(String),
        },
      ],
    ]);
    expect(keyFiles()).toEqual(before); // the same keys (named by key id), sealed anew
    expect((await rollOut(platform, 'edge', 'detector', '2.0.0')).status).toBe('succeeded');
    expect(keptOnDevice(device, 'detector', '2.0.0')).toEqual({ stored: true, active: 'detector 2.0.0' });

    // The previous secret goes: the signer starts on B alone, records nothing more, and still signs.
    await restartSigner({ KEELSON_SIGNER_KEY_SECRET: secretB });
    expect((await rollOut(platform, 'edge', 'detector', '3.0.0')).status).toBe('succeeded');
    expect(keptOnDevice(device, 'detector', '3.0.0')).toEqual({ stored: true, active: 'detector 3.0.0' });
    expect(await rotations()).toHaveLength(1);

    // Counts in the log, never a secret, anywhere in the installation's logs.
    const logs = readdirSync(join(platform.home, 'logs'))
      .map((f) => readFileSync(join(platform.home, 'logs', f), 'utf8'))
      .join('\n');
    expect(logs).toMatch(/re-sealed \d+ TUF key\(s\) of \d+ fleet\(s\) under the new KEELSON_SIGNER_KEY_SECRET/);
    for (const secret of [secretA, secretB]) expect(logs).not.toContain(secret);
  }, 300_000);
});
