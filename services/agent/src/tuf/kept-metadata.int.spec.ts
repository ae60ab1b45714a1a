import { readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flipSignedByte, KeyedRepository } from '@keelson/tuf/testing';
import type { FakeFacade } from '../test-fixtures/fake-facade.js';
import { enrolledDevice, type EnrolledDevice } from '../test-fixtures/enrolled-device.js';
import { fleet } from '../test-fixtures/reconcile-harness.js';
import type { DataDirLayout } from '../data-dir/layout.js';
import { keptMetadataInstalled, trustedMetadataFiles } from './kept-metadata.js';

// Issue 11: tuf-js wrote timestamp, snapshot, targets and a bin to four files per fresh device (an
// inode each), with plain writes. The agent keeps them in one file, written atomically once per refresh.
describe('the trusted metadata a device keeps between refreshes', () => {
  let repo: KeyedRepository;
  let facade: FakeFacade;
  let layout: DataDirLayout;
  let device: EnrolledDevice;
  const bytes = Buffer.from('onnx model bytes, version 2.1.0');
  const tuf = (file: string) => `/v1/fleets/${fleet}/tuf/${file}`;
  const ref = (published: { targetPath: string; sha256: string; length: number }) => ({
    name: 'yolo',
    version: '2.1.0',
    kind: 'model' as const,
    ...published,
  });

  beforeEach(async () => {
    repo = new KeyedRepository({ bins: 16 });
    device = await enrolledDevice(repo);
    ({ facade, layout } = device);
  });
  afterEach(() => device.close());
  const downloads = () => device.downloads();
  const metadataRequests = () => facade.requests.map((r) => r.path).filter((p) => p.includes('/tuf/'));
  const served = (file: string) => repo.metadata.get(file)!;
  const latest = (suffix: string) =>
    [...repo.metadata.keys()]
      .filter((f) => f.endsWith(suffix))
      .sort((a, b) => parseInt(a) - parseInt(b))
      .at(-1)!;
  const update = async (published: { targetPath: string; sha256: string; length: number }) => {
    const d = downloads();
    return d.download(await d.refresh(published.targetPath), ref(published));
  };

  it('is in place on the tuf-js version it was checked against', () => {
    expect(keptMetadataInstalled).toBe(true);
  });

  it('keeps what a fresh device verified in one file, byte for byte as served, beside the roots', async () => {
    const published = repo.publish('model/yolo/2.1.0/model.onnx', bytes);
    const bin = repo.binOf(published.targetPath);
    expect(readFileSync(await update(published))).toEqual(bytes);
    expect(readdirSync(layout.tufDir).sort()).toEqual(['kept-metadata', 'pristine-root.json', 'root.json']);
    expect(trustedMetadataFiles(layout)).toEqual({
      'root.json': readFileSync(layout.trustedRoot),
      'pristine-root.json': readFileSync(layout.pristineRoot),
      'timestamp.json': served('timestamp.json'),
      'snapshot.json': served(latest('.snapshot.json')),
      'targets.json': served(latest('.targets.json')),
      [`${bin}.json`]: served(latest(`.${bin}.json`)),
    });
  });

  it('starts the next refresh from what the last one kept, and advances it when the repository moves', async () => {
    const first = repo.publish('model/yolo/2.1.0/model.onnx', bytes);
    await update(first);
    facade.requests.length = 0;
    await downloads().refresh(first.targetPath); // a new Updater: timestamp unchanged, nothing else fetched
    expect(metadataRequests()).toEqual([tuf('2.root.json'), tuf('timestamp.json')]);
    const second = repo.publish('model/yolo/2.2.0/model.onnx', Buffer.from('version 2.2.0'));
    await update(second);
    const kept = trustedMetadataFiles(layout);
    expect([kept['timestamp.json'], kept['snapshot.json']]).toEqual([served('timestamp.json'), served(latest('.snapshot.json'))]);
    expect(kept[`${repo.binOf(second.targetPath)}.json`]).toEqual(served(latest(`.${repo.binOf(second.targetPath)}.json`)));
  });

  it('reads the per-document files an older agent left, then keeps them in the one file and removes them', async () => {
    const published = repo.publish('model/yolo/2.1.0/model.onnx', bytes);
    await update(published);
    const kept = trustedMetadataFiles(layout);
    rmSync(layout.keptMetadata);
    for (const file of ['timestamp.json', 'snapshot.json', 'targets.json']) writeFileSync(join(layout.tufDir, file), kept[file]!);
    const next = repo.publish('model/yolo/2.2.0/model.onnx', Buffer.from('version 2.2.0'));
    facade.requests.length = 0;
    await update(next);
    // The old snapshot was the rollback reference; the unchanged targets were not fetched again.
    expect(metadataRequests().filter((p) => p.endsWith('.targets.json'))).toEqual([]);
    expect(readdirSync(layout.tufDir).sort()).toEqual(['kept-metadata', 'pristine-root.json', 'root.json']);
    expect(trustedMetadataFiles(layout)['snapshot.json']).toEqual(served(latest('.snapshot.json')));
  });

  it('starts from the root alone when the kept file is not whole, and writes a whole one', async () => {
    const published = repo.publish('model/yolo/2.1.0/model.onnx', bytes);
    await update(published);
    const whole = readFileSync(layout.keptMetadata);
    truncateSync(layout.keptMetadata, whole.length - 1);
    facade.requests.length = 0;
    await downloads().refresh(published.targetPath);
    expect(metadataRequests()).toEqual([
      tuf('2.root.json'),
      tuf('timestamp.json'),
      tuf(latest('.snapshot.json')),
      tuf(latest('.targets.json')),
      tuf(latest(`.${repo.binOf(published.targetPath)}.json`)),
    ]);
    expect(readFileSync(layout.keptMetadata)).toEqual(whole);
  });

  it('keeps what was verified before a check failed: a refresh refused at the snapshot still keeps the new timestamp', async () => {
    await update(repo.publish('model/yolo/2.1.0/model.onnx', bytes));
    const snapshotBefore = trustedMetadataFiles(layout)['snapshot.json'];
    const next = repo.publish('model/yolo/2.2.0/model.onnx', Buffer.from('version 2.2.0'));
    const snapshotFile = latest('.snapshot.json');
    repo.metadata.set(snapshotFile, flipSignedByte(served(snapshotFile)));
    await expect(downloads().refresh(next.targetPath)).rejects.toThrow(/snapshot/);
    const kept = trustedMetadataFiles(layout);
    // The new timestamp is the next refresh's rollback reference (TUF 5.4.5), as when tuf-js wrote it at once.
    expect([kept['timestamp.json'], kept['snapshot.json']]).toEqual([served('timestamp.json'), snapshotBefore]);
  });
});
