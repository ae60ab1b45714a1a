import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGroup, createRollout, eventually, publishArtifact, rolloutBody, waitForRollout } from './support/operator.js';
import { repoRoot, startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 13 item 5: on a device with no clone, no Node and no npm, the line `keelson device token`
// prints installs the served x64 bundle, enrolls, and the agent (the systemd unit's ExecStart) takes a rollout.

/** A device's shell: an empty directory, the system's PATH only (no node_modules/.bin, no Node). */
function deviceShell(line: string, cwd: string) {
  return spawnSync('sh', ['-c', line], { cwd, encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: cwd } });
}

/** The unit's ExecStart as systemd would run it, with ${STATE_DIRECTORY} set to the data directory. */
function startUnit(prefix: string, dataDir: string): { child: ChildProcess; output: () => string } {
  const unit = readFileSync(join(prefix, 'systemd/keelson-agent.service'), 'utf8');
  const execStart = /^ExecStart=(.+)$/m.exec(unit)![1]!.replaceAll('${STATE_DIRECTORY}', dataDir).split(/\s+/);
  const child = spawn(execStart[0]!, execStart.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin', STATE_DIRECTORY: dataDir } });
  let output = '';
  child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  return { child, output: () => output };
}

describe('installing the agent with the enroll line', () => {
  let platform: TestPlatform;
  let bundles: string;
  let agent: ChildProcess | undefined;
  const devices: string[] = [];

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
    bundles = mkdtempSync(join(tmpdir(), 'keelson-bundles-'));
    const built = spawnSync(process.execPath, [join(repoRoot, 'deploy/agent-bundle/build.mjs'), '--arch', 'x64', '--out', bundles], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`bundle build failed: ${built.stderr}`);
    platform = await startTestPlatform({ serviceEnv: { api: { KEELSON_AGENT_BUNDLES_DIR: bundles } } });
  }, 300_000);

  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      agent.kill('SIGTERM');
      await new Promise((resolve) => agent!.once('exit', resolve));
    }
    await platform?.destroy();
    for (const dir of [bundles, ...devices]) if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('installs the verified bundle into the prefix, enrolls, and the unit it installed runs the agent through a rollout', async () => {
    const line = await enrollLine();
    expect(line).toMatch(/^curl -fsSL http:\/\/\S+\/v1\/agent\/install\.sh -o keelson-install\.sh && echo '[0-9a-f]{64} {2}keelson-install\.sh' \| sha256sum -c --quiet - && sh keelson-install\.sh --gateway https:\/\/\S+ --token \S+ --ca-fingerprint sha256:[0-9a-f]{64}$/);
    const device = newDevice();
    const prefix = join(device, 'opt/keelson');
    const dataDir = join(device, 'var/lib/keelson');
    const install = deviceShell(`${line} --prefix ${prefix} --data-dir ${dataDir} --name box-1`, device);
    expect({ status: install.status, stderr: install.stderr }).toMatchObject({ status: 0 });
    expect(install.stdout).toContain('"event":"enrolled"');
    expect(install.stderr).toContain(`${prefix}/bin/keelson-agent run --data-dir ${dataDir}`);
    expect(readFileSync(join(prefix, 'systemd/keelson-agent.service'), 'utf8')).toContain(`ExecStart=${prefix}/bin/keelson-agent run`);
    expect(existsSync(join(dataDir, 'identity/device.crt'))).toBe(true);

    const unit = startUnit(prefix, dataDir);
    agent = unit.child;
    await eventually('the installed agent connected', async () => (unit.output().includes('"agent-started"') ? true : undefined), 30_000);

    writeFileSync(join(device, 'ready'), 'ok\n');
    const bytes = Buffer.from(`detector 1.0.0\n${'weights '.repeat(2000)}`);
    await publishArtifact(platform, { name: 'detector', version: '1.0.0', bytes });
    await createGroup(platform, 'installed', ['box-1']);
    const probe = { kind: 'file' as const, path: join(device, 'ready'), timeoutSeconds: 5, attempts: 2 };
    const created = await createRollout(platform, rolloutBody('detector@1.0.0', 'installed', probe, [100]));
    const done = await waitForRollout(platform, created.rolloutId, ['succeeded', 'failed', 'halted']);
    expect(done.devices.map((d) => d.state)).toEqual(['healthy']);
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
      expect(install.stderr).toMatch(new RegExp(`${bundle!.replaceAll('.', '\\.')}: sha256 is [0-9a-f]{64}, expected [0-9a-f]{64}: refusing to install it`));
      expect(readdirSync(device).sort()).toEqual(['keelson-install.sh', 'opt']);
      expect(readdirSync(join(device, 'opt'))).toEqual([]);
    } finally {
      copyFileSync(original, join(bundles, bundle!));
      rmSync(original);
    }
  }, 120_000);
});
