import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Key } from '@tufjs/models';
import { TestDeviceCa } from '@keelson/testing';
import { issuedBy, startFakeFacade, type FakeFacade } from '../test-fixtures/fake-facade.js';
import { deviceId, enrolledDataDir, fleet } from '../test-fixtures/reconcile-harness.js';
import { TestTufRepository } from '../test-fixtures/tuf-repository.js';
import type { DataDirLayout } from '../data-dir/layout.js';
import { verifiedBytesInstalled } from './verified-bytes.js';
import { VerifiedDownloads } from './verified-download.js';

/** A document whose signature is checked, as @tufjs/models passes it. */
type Checked = Parameters<Key['verifySignature']>[0];
/** The document's `_type` (`Signed` leaves it to its subclasses). */
const typeOf = (metadata: Checked): string => (metadata.signed as unknown as { type: string }).type;

// Issue 11: each refresh checked again the signatures of the metadata the device had checked at its last one.
describe("a device's next refresh, over metadata it already checked", () => {
  let repo: TestTufRepository;
  let facade: FakeFacade;
  let layout: DataDirLayout;
  const verifySignature = Key.prototype.verifySignature;
  let checked: string[];

  beforeEach(async () => {
    repo = new TestTufRepository({ bins: 16 });
    const ca = await TestDeviceCa.create(fleet);
    facade = await startFakeFacade(fleet, repo, issuedBy(ca.certPem, fleet));
    layout = await enrolledDataDir(repo, facade, await ca.issue(deviceId));
    checked = [];
    // Observed, not replaced: every signature check still runs the library's own code.
    Key.prototype.verifySignature = function (this: Key, metadata: Checked) {
      checked.push(`${typeOf(metadata)} v${metadata.signed.version}`);
      return verifySignature.call(this, metadata);
    };
  });
  afterEach(async () => {
    Key.prototype.verifySignature = verifySignature;
    await facade.close();
    rmSync(layout.root, { recursive: true, force: true });
  });
  const downloads = () => new VerifiedDownloads(layout, { facadeUrl: facade.url, fleet, platformCa: facade.ca });
  const ref = (published: { targetPath: string; sha256: string; length: number }) => ({ name: 'yolo', version: '2.1.0', kind: 'model' as const, ...published });
  const publishInAnotherBin = (than: string) => {
    for (let i = 0; ; i++) {
      const path = `model/other-${i}/1.0.0/model.onnx`;
      if (repo.binOf(path) !== repo.binOf(than)) return repo.publish(path, Buffer.from(`other ${i}`));
    }
  };
  /** Refreshes, looks the target up and downloads it; returns the signature checks made. */
  const update = async (d: VerifiedDownloads, published: ReturnType<TestTufRepository['publish']>) => {
    checked = [];
    await d.download(await d.refresh(), ref(published));
    return checked;
  };

  it('is in place on the tuf-js version it was checked against', () => {
    expect(verifiedBytesInstalled).toBe(true);
  });

  it('checks only the documents that changed: the new timestamp, snapshot and bin, not the root, targets or its own old copies', async () => {
    const first = repo.publish('model/yolo/2.1.0/model.onnx', Buffer.from('first'));
    const d = downloads();
    expect(await update(d, first)).toEqual(['root v1', 'timestamp v2', 'snapshot v2', 'targets v1', 'targets v2']);
    const second = publishInAnotherBin(first.targetPath);
    // Before: root, the old timestamp and snapshot read back from disk, the new ones, the targets read back, the bin.
    expect(await update(d, second)).toEqual(['timestamp v3', 'snapshot v3', 'targets v2']);
  });

  it('checks a root changed on disk since the last refresh in full, and refuses it', async () => {
    const published = repo.publish('model/yolo/2.1.0/model.onnx', Buffer.from('first'));
    const d = downloads();
    await update(d, published);
    const root = JSON.parse(readFileSync(join(layout.tufDir, 'root.json'), 'utf8')) as { signed: { expires: string } };
    root.signed.expires = '2099-01-01T00:00:00Z';
    writeFileSync(join(layout.tufDir, 'root.json'), JSON.stringify(root));
    checked = [];
    await expect(d.refresh()).rejects.toThrow('root was signed by 0/1 keys');
    expect(checked).toEqual(['root v1']);
  });

  it('remembers per device: another agent on the same data dir checks everything again', async () => {
    const published = repo.publish('model/yolo/2.1.0/model.onnx', Buffer.from('first'));
    await update(downloads(), published);
    expect(await update(downloads(), published)).toEqual(['root v1', 'timestamp v2', 'snapshot v2', 'targets v1', 'targets v2']);
  });
});
