import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The CLI's in-process runner: the code `keelson` runs, on the node and on the offline machine.
import { keelson } from '../services/cli/src/test-fixtures/run-cli.js';
import { enrollAgent } from './support/agent-process.js';
import { startFleet, type TestFleet } from './support/fleet.js';
import {
  auditOf,
  createGroup,
  createRollout,
  eventually,
  publishArtifact,
  rolloutBody,
  waitForRollout,
  type ProbeSpec,
} from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 4, TUF for production: the runbook "Re-key the update repository for production", with
// agents that enrolled under the development root and keep updating across the move.
const readyProbe: ProbeSpec = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 2 };

interface RootFile {
  signed: { version: number; expires: string; roles: { root: { keyids: string[]; threshold: number } } };
}
const readRoot = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as RootFile;

describe('moving a fleet from the development trust setup to an offline production root', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  const ceremonyDir = mkdtempSync(join(tmpdir(), 'keelson-ceremony-'));
  /** The offline machine: no API that answers, no token. */
  const offline = (...args: string[]) => keelson('http://127.0.0.1:9', undefined, ...args);
  const node = (...args: string[]) => keelson(platform.apiUrl, platform.adminToken, ...args);
  const rootKeyFiles = () => readdirSync(join(platform.home, 'signer', 'keys', 'default')).filter((f) => f.startsWith('root-'));
  const trustedRoot = (dataDir: string) => readRoot(join(dataDir, 'tuf', 'root.json')).signed;
  const bytesOf = (version: string) => Buffer.from(`detector ${version}\n${'weights '.repeat(3_000)}`);

  const rollOut = async (version: string, group: string) => {
    const created = await createRollout(platform, rolloutBody(`detector@${version}`, group, readyProbe, [100]));
    const done = await waitForRollout(platform, created.rolloutId, ['succeeded', 'failed', 'halted']);
    expect({ status: done.status, devices: done.devices.map((d) => [d.state, d.reason]) }).toEqual({
      status: 'succeeded',
      devices: done.devices.map(() => ['healthy', undefined]),
    });
  };
  const installed = (name: string) => readFileSync(fleet.devices.find((d) => d.name === name)!.activeFile('detector', 'model.onnx'));

  let productionRootKeyIds: string[];

  beforeAll(async () => {
    platform = await startTestPlatform();
    fleet = await startFleet(platform, { count: 3 });
    await createGroup(platform, 'all', ['sim-1', 'sim-2', 'sim-3']);
    await createGroup(platform, 'stayed', ['sim-1', 'sim-2']);
    await createGroup(platform, 'away', ['sim-3']);
  }, 240_000);

  afterAll(async () => {
    await fleet?.stop();
    await platform?.destroy();
    rmSync(ceremonyDir, { recursive: true, force: true });
  }, 60_000);

  it('starts in development: the node holds the root key, the devices enroll under root v1 and install an update', async () => {
    expect((await node('tuf', 'root', 'show')).stdout).toMatch(/root v1 \(development: every key online\)/);
    expect(rootKeyFiles()).toHaveLength(1);
    await publishArtifact(platform, { name: 'detector', version: '1.0.0', bytes: bytesOf('1.0.0') });
    await rollOut('1.0.0', 'all');
    for (const device of fleet.devices) {
      expect(installed(device.name)).toEqual(bytesOf('1.0.0'));
      expect(trustedRoot(device.dataDir).version).toBe(1);
    }
  }, 120_000);

  it('runs the ceremony offline and imports the production root: the node keeps no root key, and says so', async () => {
    await fleet.devices.find((d) => d.name === 'sim-3')!.stop(); // away for the whole move

    // On the node: the public online keys and the root in force, carried to the offline machine as a file.
    const exported = await node('tuf', 'keys', 'export');
    expect(exported.code).toBe(0);
    expect(exported.json()).toMatchObject({ fleet: 'default', development: true });
    const onlineKeys = join(ceremonyDir, 'online-keys.json');
    writeFileSync(onlineKeys, exported.stdout);

    // Offline: three root keys, two needed; two key holders sign.
    const init = await offline(
      'tuf',
      'root',
      'init',
      '--keys',
      '3',
      '--threshold',
      '2',
      '--out',
      join(ceremonyDir, 'keys'),
      '--online-keys',
      onlineKeys,
      '--json',
    );
    expect(init.code).toBe(0);
    const made = init.json() as { version: number; root: string; keys: string[] };
    expect(made.version).toBe(2);
    for (const key of [made.keys[0]!, made.keys[2]!])
      expect((await offline('tuf', 'root', 'sign', '--root', made.root, '--key', key)).code).toBe(0);
    productionRootKeyIds = readRoot(made.root).signed.roles.root.keyids;
    expect(readFileSync(made.root, 'utf8')).not.toMatch(/PRIVATE KEY/);

    // Back on the node: only the signed metadata goes in.
    const imported = await node('tuf', 'root', 'import', '--root', made.root);
    expect({ code: imported.code, stdout: imported.stdout }).toEqual({
      code: 0,
      stdout: expect.stringMatching(/root v2 in force \(production: the node holds no root key\)/),
    });
    expect(rootKeyFiles()).toEqual([]);
    expect((await node('tuf', 'root', 'show')).stdout).toMatch(/root v2 \(production\)/);
    expect((await node('tuf', 'keys', 'export')).json()).toMatchObject({ development: false });
    // A new online key can no longer be put in force by the node itself: it waits for the next ceremony.
    expect((await node('tuf', 'keys', 'rotate', '--role', 'timestamp', '--json')).json()).toMatchObject({ pending: true, rootVersion: 2 });

    // The audit log: root v1 made by the signer, root v2 put in force by the operator.
    const roots = await eventually(
      'both roots in the audit log',
      async () => {
        const entries = (await auditOf(platform, '')).filter((e) => e.type.endsWith('RootMetadataSigned'));
        return entries.length >= 2 ? entries : undefined;
      },
      15_000,
    );
    expect(roots.map((e) => e.data.version)).toEqual([1, 2]);
    expect(roots[0]!.keelsonactor).not.toMatch(/^operator:/);
    expect(roots[1]!.keelsonactor).toBe('operator:admin');
  }, 60_000);

  it('the devices that stayed follow on their next update and install an artifact signed under the new domain', async () => {
    await publishArtifact(platform, { name: 'detector', version: '2.0.0', bytes: bytesOf('2.0.0') });
    await rollOut('2.0.0', 'stayed');
    for (const name of ['sim-1', 'sim-2']) {
      const device = fleet.devices.find((d) => d.name === name)!;
      expect(installed(name)).toEqual(bytesOf('2.0.0'));
      expect(trustedRoot(device.dataDir)).toMatchObject({ version: 2, roles: { root: { keyids: productionRootKeyIds, threshold: 2 } } });
    }
  }, 120_000);

  it('the device that was away during the move follows when it returns', async () => {
    const away = fleet.devices.find((d) => d.name === 'sim-3')!;
    expect(trustedRoot(away.dataDir).version).toBe(1);
    await away.restart();
    await eventually('sim-3 connected again', async () => (away.connected ? true : undefined), 15_000);
    await rollOut('2.0.0', 'away');
    expect(installed('sim-3')).toEqual(bytesOf('2.0.0'));
    expect(trustedRoot(away.dataDir)).toMatchObject({ version: 2, roles: { root: { keyids: productionRootKeyIds } } });
  }, 120_000);

  it('the signer, restarted without any root key, keeps publishing under the production root', async () => {
    await platform.services.signer!.stop();
    await platform.restart('signer');
    expect(rootKeyFiles()).toEqual([]);
    await publishArtifact(platform, { name: 'detector', version: '3.0.0', bytes: bytesOf('3.0.0') });
    await rollOut('3.0.0', 'all');
    for (const device of fleet.devices) {
      expect(installed(device.name)).toEqual(bytesOf('3.0.0'));
      expect(trustedRoot(device.dataDir).version).toBe(2);
    }
    expect((await node('tuf', 'root', 'show')).stdout).toMatch(/root v2 \(production\)/);
  }, 120_000);

  it('a device enrolled after the move pins the production root from its first day', async () => {
    const dataDir = mkdtempSync(join(platform.home, 'late-'));
    await enrollAgent(platform, dataDir, 'late-1');
    expect(readRoot(join(dataDir, 'tuf', 'pristine-root.json')).signed).toMatchObject({
      version: 2,
      roles: { root: { keyids: productionRootKeyIds } },
    });
  }, 60_000);
});
