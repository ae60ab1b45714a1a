import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FakeFacade } from '../test-fixtures/fake-facade.js';
import { enrolledDevice, type EnrolledDevice } from '../test-fixtures/enrolled-device.js';
import { fleet } from '../test-fixtures/reconcile-harness.js';
import { TestTufRepository } from '../test-fixtures/tuf-repository.js';
import type { DataDirLayout } from '../data-dir/layout.js';
import * as localMetadata from './local-metadata.js';

// Issue 11: a fresh device's first refresh tried to open its timestamp, snapshot and targets and
// built an ENOENT error for each; now one listing of the directory per Updater answers them.
describe('the local metadata a refresh starts from, listed once per Updater', () => {
  let repo: TestTufRepository;
  let facade: FakeFacade;
  let layout: DataDirLayout;
  let device: EnrolledDevice;
  const bytes = Buffer.from('onnx model bytes, version 2.1.0');
  const tuf = (file: string) => `/v1/fleets/${fleet}/tuf/${file}`;

  beforeEach(async () => {
    repo = new TestTufRepository();
    device = await enrolledDevice(repo);
    ({ facade, layout } = device);
  });
  afterEach(() => device.close());
  const downloads = () => device.downloads();
  const metadataRequests = () => facade.requests.map((r) => r.path).filter((p) => p.includes('/tuf/'));

  it('is in place on the tuf-js version it was checked against', () => {
    expect(localMetadata.localMetadataListInstalled).toBe(true);
  });

  it('answers a fresh device\'s missing timestamp, snapshot and targets without opening them', async () => {
    const published = repo.publish('model/yolo/2.1.0/model.onnx', bytes);
    const before = localMetadata.absentWithoutOpen;
    const d = downloads();
    await d.download(await d.refresh(), { name: 'yolo', version: '2.1.0', kind: 'model', ...published });
    expect(localMetadata.absentWithoutOpen - before).toBe(3);
    expect(metadataRequests()).toEqual([tuf('2.root.json'), tuf('timestamp.json'), tuf('2.snapshot.json'), tuf('2.targets.json')]);
  });

  it('starts the next refresh from what the last one kept, and fetches again what was removed since', async () => {
    repo.publish('model/yolo/2.1.0/model.onnx', bytes);
    await downloads().refresh();
    facade.requests.length = 0;
    const before = localMetadata.absentWithoutOpen;
    await downloads().refresh(); // a new Updater: the snapshot and targets kept on disk are still current
    expect(localMetadata.absentWithoutOpen - before).toBe(0);
    expect(metadataRequests()).toEqual([tuf('2.root.json'), tuf('timestamp.json')]);
    rmSync(join(layout.tufDir, 'snapshot.json'));
    facade.requests.length = 0;
    await downloads().refresh();
    expect(localMetadata.absentWithoutOpen - before).toBe(1);
    expect(metadataRequests()).toEqual([tuf('2.root.json'), tuf('timestamp.json'), tuf('2.snapshot.json')]);
  });
});
