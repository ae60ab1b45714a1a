import { spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildBundles,
  deviceShell,
  foreignRoot,
  identityOf,
  publishRepackedBundle,
  rollOutDetector,
  startUnit,
  stopUnit,
} from './support/installed-agent.js';
import { createGroup, eventually } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 13 item 5: on a device with no clone, no Node and no npm, the line `keelson device token`
// prints installs the served x64 bundle, enrolls, and the agent (the systemd unit's ExecStart) takes a rollout.

describe('installing the agent with the enroll line', () => {
  let platform: TestPlatform;
  let bundles: string;
  let agent: ChildProcess | undefined;
  const devices: string[] = [];
  let installed: string | undefined; // the prefix the first test installed into
  let firstDevice: { device: string; prefix: string; dataDir: string } | undefined; // and its device

  const newDevice = () => {
    const dir = mkdtempSync(join(tmpdir(), 'keelson-device-'));
    devices.push(dir);
    return dir;
  };
  const enrollLine = async () => {
    const { status, body } = await platform.api<{ enrollCommand: string }>('/v1/enrollment-tokens', { body: {} });
    expect(status).toBe(201);
    return body.enrollCommand;
  };

  beforeAll(async () => {
    bundles = buildBundles();
    platform = await startTestPlatform({ serviceEnv: { api: { KEELSON_AGENT_BUNDLES_DIR: bundles } } });
  }, 300_000);

  afterAll(async () => {
    if (agent) await stopUnit(agent);
    await platform?.destroy();
    for (const dir of [bundles, ...devices]) if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('installs the verified bundle into the prefix, enrolls, and the unit it installed runs the agent through a rollout', async () => {
    const line = await enrollLine();
    expect(line).toMatch(
      /^curl -fsSL http:\/\/\S+\/v1\/agent\/install\.sh -o keelson-install\.sh && echo '[0-9a-f]{64} {2}keelson-install\.sh' \| sha256sum -c --quiet - && sh keelson-install\.sh --gateway https:\/\/\S+ --token \S+ --ca-fingerprint sha256:[0-9a-f]{64}$/,
    );
    const device = newDevice();
    const prefix = join(device, 'opt/keelson');
    const dataDir = join(device, 'var/lib/keelson');
    // The device image carries the fleet's root: the agent trusts it instead of the gateway's answer.
    const { body: fleetRoot } = await platform.api<{ root: Record<string, unknown> }>('/v1/tuf/root');
    const rootFile = join(device, 'baked-root.json');
    writeFileSync(rootFile, JSON.stringify(fleetRoot.root));
    const install = deviceShell(`${line} --prefix ${prefix} --data-dir ${dataDir} --name box-1 --root-file ${rootFile}`, device);
    expect({ status: install.status, stderr: install.stderr }).toMatchObject({ status: 0 });
    expect(install.stdout).toContain('"event":"enrolled"');
    expect(install.stderr).toContain(`${prefix}/bin/keelson-agent run --data-dir ${dataDir}`);
    expect(readFileSync(join(prefix, 'systemd/keelson-agent.service'), 'utf8')).toContain(`ExecStart=${prefix}/bin/keelson-agent run`);
    expect(existsSync(join(dataDir, 'identity/device.crt'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dataDir, 'tuf/pristine-root.json'), 'utf8'))).toEqual(fleetRoot.root);
    installed = prefix;
    firstDevice = { device, prefix, dataDir };

    const unit = startUnit(prefix, dataDir);
    agent = unit.child;
    await eventually('the installed agent connected', async () => (unit.output().includes('"agent-started"') ? true : undefined), 30_000);

    writeFileSync(join(device, 'ready'), 'ok\n');
    await createGroup(platform, 'installed', ['box-1']);
    const { done, bytes } = await rollOutDetector(platform, device, '1.0.0');
    expect(done.devices.map((d) => d.state)).toEqual(['healthy']);
    expect(readFileSync(join(dataDir, 'artifacts/detector/current/model.onnx'))).toEqual(bytes);
  }, 240_000);

  it('upgrades an enrolled device when its line runs again with a newer bundle: same identity, restarted, still takes a rollout', async () => {
    expect(firstDevice).toBeDefined();
    const { device, prefix, dataDir } = firstDevice!;
    const identityBefore = identityOf(dataDir);
    // A newer release on the platform: the same agent as 0.1.1 (its manifest says so).
    const newer = publishRepackedBundle(bundles, '0.1.1');
    try {
      writeFileSync(join(prefix, 'left-from-0.1.0'), 'x');

      // The operator's line for this device, run again where the agent already runs.
      const again = deviceShell(`${await enrollLine()} --prefix ${prefix} --data-dir ${dataDir}`, device);
      expect({ status: again.status, stderr: again.stderr }).toMatchObject({ status: 0 });
      expect(again.stderr).toContain(
        `keelson-install: ${dataDir} is already enrolled: upgraded the agent in ${prefix} to keelson-agent-0.1.1-linux-x64.tar.gz and kept the device's identity`,
      );
      expect(again.stdout).not.toContain('"event":"enrolled"');
      expect(JSON.parse(readFileSync(join(prefix, 'manifest.json'), 'utf8'))).toMatchObject({ version: '0.1.1' });
      expect(existsSync(join(prefix, 'left-from-0.1.0'))).toBe(false); // the files were replaced, not merged
      expect(identityOf(dataDir)).toEqual(identityBefore);
    } finally {
      newer.remove();
    }

    // What the unit's restart does: the old agent stops, the upgraded one starts on the same data.
    await stopUnit(agent!);
    const unit = startUnit(prefix, dataDir);
    agent = unit.child;
    await eventually('the upgraded agent connected', async () => (unit.output().includes('"agent-started"') ? true : undefined), 30_000);
    const { deviceId } = JSON.parse(readFileSync(join(dataDir, 'identity/enrollment.json'), 'utf8')) as { deviceId: string };
    expect(unit.output()).toContain(`"deviceId":"${deviceId}"`);

    const { done, bytes } = await rollOutDetector(platform, device, '1.0.1');
    expect(done.devices.map((d) => [d.deviceId, d.state])).toEqual([[deviceId, 'healthy']]);
    expect(readFileSync(join(dataDir, 'artifacts/detector/current/model.onnx'))).toEqual(bytes);
  }, 240_000);

  it('refuses a bundle whose bytes do not match the sha256 it pins, and installs and enrolls nothing', async () => {
    const line = await enrollLine();
    const [bundle] = readdirSync(bundles).filter((f) => f.endsWith('.tar.gz'));
    const original = join(bundles, `${bundle}.original`);
    copyFileSync(join(bundles, bundle!), original);
    try {
      // The served file changes after the line was printed (a compromised mirror, a bad disk).
      const tampered = readFileSync(original);
      tampered.writeUInt8(tampered.readUInt8(5000) ^ 0xff, 5000);
      writeFileSync(join(bundles, bundle!), tampered);
      const device = newDevice();
      const install = deviceShell(`${line} --prefix ${join(device, 'opt/keelson')} --data-dir ${join(device, 'var/lib/keelson')}`, device);
      expect(install.status).toBe(1);
      expect(install.stderr).toMatch(
        new RegExp(`${bundle!.replaceAll('.', '\\.')}: sha256 is [0-9a-f]{64}, expected [0-9a-f]{64}: refusing to install it`),
      );
      expect(readdirSync(device).sort()).toEqual(['keelson-install.sh', 'opt']);
      expect(readdirSync(join(device, 'opt'))).toEqual([]);
    } finally {
      copyFileSync(original, join(bundles, bundle!));
      rmSync(original);
    }
  }, 120_000);

  describe('enroll --root-file', () => {
    const enroll = async (args: string[]) => {
      const { body } = await platform.api<{ token: string; gatewayUrl: string; caFingerprint: string }>('/v1/enrollment-tokens', {
        body: {},
      });
      const dataDir = join(newDevice(), 'data');
      const base = ['enroll', '--gateway', body.gatewayUrl, '--ca-fingerprint', body.caFingerprint, '--data-dir', dataDir];
      const run = (extra: string[]) =>
        spawnSync(join(installed!, 'bin/keelson-agent'), [...base, '--token', body.token, ...extra], {
          encoding: 'utf8',
          env: { PATH: '/usr/bin:/bin' },
        });
      return { first: run(args), again: run, dataDir };
    };

    it("refuses a root of another trust than the gateway's, and keeps nothing", async () => {
      expect(installed).toBeDefined();
      const rootFile = join(newDevice(), 'other-root.json');
      writeFileSync(rootFile, JSON.stringify(foreignRoot()));
      const { first, dataDir } = await enroll(['--root-file', rootFile]);
      expect(first.status).toBe(1);
      expect(first.stderr).toContain("the gateway's TUF root differs from the pinned root of the same version (1): refusing it");
      expect(existsSync(join(dataDir, 'enrollment.json'))).toBe(false);
      expect(existsSync(join(dataDir, 'identity/device.key'))).toBe(false);
    }, 60_000);

    it('refuses a file that is no signed root before spending the token', async () => {
      const dir = newDevice();
      writeFileSync(join(dir, 'not-json'), 'root: yes\n');
      const unsigned = foreignRoot();
      (unsigned.signatures as { sig: string }[])[0]!.sig = '00'.repeat(64);
      writeFileSync(join(dir, 'unsigned.json'), JSON.stringify(unsigned));
      const { first, again, dataDir } = await enroll(['--root-file', join(dir, 'not-json')]);
      expect(first.status).toBe(1);
      expect(first.stderr).toContain(`--root-file ${join(dir, 'not-json')}: cannot read it as JSON`);
      const badSignature = again(['--root-file', join(dir, 'unsigned.json')]);
      expect(badSignature.status).toBe(1);
      expect(badSignature.stderr).toContain(`--root-file ${join(dir, 'unsigned.json')}: not signed by its own root keys`);
      expect(existsSync(dataDir)).toBe(false);
      // Nothing was sent: the same token still enrolls.
      const enrolled = again([]);
      expect(enrolled.status).toBe(0);
      expect(enrolled.stdout).toContain('"event":"enrolled"');
    }, 60_000);
  });
});
