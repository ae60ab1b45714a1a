import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { flipSignedByte, flipTargetHash, forgeTargets, KeyedRepository, newSigningKey } from '@keelson/tuf/testing';
import { startMetadataProxy, type MetadataProxy } from '../test-fixtures/attacks/index.js';
import { writeFileAtomic } from '../data-dir/atomic-file.js';
import { DataDirLayout } from '../data-dir/layout.js';
import { trustedMetadataFiles } from './kept-metadata.js';
import { VerifiedDownloads } from './verified-download.js';

// Issue 4, attack tests: the TUF attacks on a device's metadata, each against the agent's verified
// downloads (real tuf-js, real HTTP) and a repository whose keys the spec holds. "Nothing written":
// the device's trusted metadata is byte for byte what it was, and no download is left behind.
const fleet = 'plant-7';
// Only `Date` is faked: timers, I/O and the metadata server run as usual.
const everythingButDate = [
  'hrtime',
  'nextTick',
  'performance',
  'queueMicrotask',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
] as const;
const prefix = `/v1/fleets/${fleet}/`;

describe('a device refuses attacks on its fleet repository', () => {
  let repo: KeyedRepository;
  let proxy: MetadataProxy;
  const dirs: string[] = [];

  const newDevice = async () => {
    const layout = new DataDirLayout(mkdtempSync(join(tmpdir(), 'keelson-attack-')));
    dirs.push(layout.root);
    await writeFileAtomic(layout.pristineRoot, repo.pinnedRoot);
    await writeFileAtomic(layout.trustedRoot, repo.pinnedRoot);
    return layout;
  };
  const downloads = (layout: DataDirLayout) => new VerifiedDownloads(layout, { facadeUrl: proxy.url, fleet });
  const trusted = (layout: DataDirLayout) =>
    Object.fromEntries(Object.entries(trustedMetadataFiles(layout)).map(([f, bytes]) => [f, bytes.toString('utf8')]));
  const leftovers = (layout: DataDirLayout) =>
    [layout.tmpDir, layout.downloadsDir].flatMap((dir) => (existsSync(dir) ? readdirSync(dir) : []));
  const rootVersion = (layout: DataDirLayout) =>
    (JSON.parse(readFileSync(layout.trustedRoot, 'utf8')) as { signed: { version: number } }).signed.version;

  /**
   * The refresh fails with `reason`; the trusted files in `keep` are byte for byte as before (the
   * ones a refresh legitimately advances before it meets the attack are left out) and no download
   * is left behind.
   */
  const refused = async (
    layout: DataDirLayout,
    reason: RegExp,
    keep = ['root.json', 'timestamp.json', 'snapshot.json', 'targets.json'],
  ) => {
    const pick = (files: Record<string, string>) => keep.map((f) => files[f] ?? null);
    const before = pick(trusted(layout));
    await expect(downloads(layout).refresh()).rejects.toThrow(reason);
    expect(pick(trusted(layout))).toEqual(before);
    expect(leftovers(layout)).toEqual([]);
  };

  beforeEach(async () => {
    repo = new KeyedRepository();
    proxy = await startMetadataProxy((path) =>
      path.startsWith(`${prefix}tuf/`)
        ? repo.metadata.get(path.slice(`${prefix}tuf/`.length))
        : repo.blobs.get(path.slice(`${prefix}targets/`.length)),
    );
  });
  afterEach(async () => {
    await proxy.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('tampered metadata: one changed byte in targets, snapshot or timestamp is refused', async () => {
    const device = await newDevice();
    repo.publish('model/yolo/2.1.0/model.onnx', Buffer.from('v1'));
    await downloads(device).refresh();
    repo.publish('model/yolo/2.2.0/model.onnx', Buffer.from('v2'));
    // Outermost first: once a role is trusted at this version the device does not fetch it again.
    const attacks = [
      ['/timestamp.json', flipSignedByte, ['root.json', 'timestamp.json', 'snapshot.json', 'targets.json']],
      ['.snapshot.json', flipSignedByte, ['root.json', 'snapshot.json', 'targets.json']],
      ['.targets.json', flipTargetHash, ['root.json', 'targets.json']],
      ['.targets.json', flipSignedByte, ['root.json', 'targets.json']],
    ] as const;
    for (const [file, tamper, keep] of attacks) {
      proxy.rewrite = (path, body) => (path.endsWith(file) ? tamper(body) : body);
      await refused(device, /signed by 0\/1 keys/, [...keep]);
    }
    proxy.rewrite = undefined;
    expect(await (await downloads(device).refresh()).getTargetInfo('model/yolo/2.2.0/model.onnx')).toBeDefined();
  });

  it('endless data: a timestamp longer than the client accepts is cut off, though its signature still holds', async () => {
    const device = await newDevice();
    repo.publish('model/yolo/2.1.0/model.onnx', Buffer.from('v1'));
    // Trailing whitespace leaves the JSON and its signed part valid: only the length limit refuses it.
    const padded = (body: Buffer) => Buffer.concat([body, Buffer.alloc(64 * 1024, ' ')]);
    proxy.rewrite = (path, body) => (path.endsWith('/timestamp.json') ? padded(body) : body);
    await refused(device, /sent more than the 16384 bytes expected/);
    proxy.rewrite = undefined;
    expect(await (await downloads(device).refresh()).getTargetInfo('model/yolo/2.1.0/model.onnx')).toBeDefined();
  });

  it('rollback: an older timestamp, after the device saw a newer one, is refused', async () => {
    const device = await newDevice();
    repo.publish('model/yolo/2.1.0/model.onnx', Buffer.from('v1'));
    await downloads(device).refresh();
    repo.publish('model/yolo/2.2.0/model.onnx', Buffer.from('v2'));
    await downloads(device).refresh();
    const [older] = proxy.timestamps;
    proxy.rewrite = (path, body) => (path.endsWith('/timestamp.json') ? older! : body);
    await refused(device, /New timestamp version 2 is less than current version 3/);
  });

  it('freeze: a timestamp is refused from the instant it expires, whether new to the device or replayed after it expired', async () => {
    // tuf-js takes its reference time from the system clock when an updater is made (TUF client
    // workflow 5.1); the device's clock is set here to the instants the expiries are judged at.
    const now = Math.floor(Date.now() / 1000) * 1000; // TUF expiries have whole seconds
    jest.useFakeTimers({ now, doNotFake: [...everythingButDate] });
    try {
      repo.publish('model/yolo/2.1.0/model.onnx', Buffer.from('v1'));
      repo.renewTimestamp(0); // expires at `now` exactly
      await refused(await newDevice(), /Final timestamp.json is expired/);

      const device = await newDevice();
      repo.renewTimestamp(60);
      await downloads(device).refresh();
      jest.setSystemTime(now + 59_999); // frozen from here on: the same timestamp is served again
      await downloads(device).refresh();
      jest.setSystemTime(now + 60_000);
      await refused(device, /Final timestamp.json is expired/);
    } finally {
      jest.useRealTimers();
    }
  });

  it('mix-and-match: an older snapshot or targets served under the version the timestamp names is refused', async () => {
    repo.publish('model/yolo/2.1.0/model.onnx', Buffer.from('v1'));
    repo.publish('model/yolo/2.2.0/model.onnx', Buffer.from('v2'));
    const { snapshot, targets } = repo.versions;
    for (const role of ['snapshot', 'targets'] as const) {
      const current = role === 'snapshot' ? snapshot : targets;
      const old = repo.metadata.get(`${current - 1}.${role}.json`)!;
      proxy.rewrite = (path, body) => (path.endsWith(`/${current}.${role}.json`) ? old : body);
      // The genuine timestamp (and, for the targets case, snapshot) are kept; the swapped file is not.
      await refused(
        await newDevice(),
        new RegExp(`${role}.*version`, 'i'),
        role === 'snapshot' ? ['root.json', 'snapshot.json', 'targets.json'] : ['root.json', 'targets.json'],
      );
    }
  });

  it('a root signed below its threshold is refused; the same root signed by the threshold is followed', async () => {
    const device = await newDevice();
    repo.publish('model/yolo/2.1.0/model.onnx', Buffer.from('v1'));
    await downloads(device).refresh();
    // One stolen root key of two: the attacker hands the timestamp role to a key of their own.
    repo.rotate('timestamp', [newSigningKey()], [repo.keys.root[0]!]);
    await refused(device, /root was signed by 1\/2 keys/);
    expect(rootVersion(device)).toBe(1);

    repo.rotate('timestamp', [newSigningKey()]);
    repo.renewTimestamp(86_400);
    await downloads(device).refresh();
    expect(rootVersion(device)).toBe(2);
  });

  it('a target signed by a revoked targets key is refused once the root revoking it is out', async () => {
    repo.publish('model/yolo/2.1.0/model.onnx', Buffer.from('v1'));
    const [stolen] = repo.keys.targets;
    const evil = 'model/yolo/6.6.6/model.onnx';
    // While the key is trusted, what it signs is accepted: the refusal below is the revocation's doing.
    forgeTargets(repo, [stolen!], evil, Buffer.from('evil'));
    expect(await (await downloads(await newDevice()).refresh()).getTargetInfo(evil)).toBeDefined();

    repo.publish('model/yolo/2.2.0/model.onnx', Buffer.from('v2'));
    const device = await newDevice();
    await downloads(device).refresh();
    repo.rotate('targets', [newSigningKey()]);
    repo.publish('model/yolo/2.3.0/model.onnx', Buffer.from('v3'));
    forgeTargets(repo, [stolen!], evil, Buffer.from('evil'));
    // The device follows the new root, timestamp and snapshot, and stops at the targets.
    await refused(device, /targets was signed by 0\/1 keys/, ['targets.json']);
    expect(rootVersion(device)).toBe(2);
    expect(trusted(device)['targets.json']).not.toContain(evil);
  });
});
