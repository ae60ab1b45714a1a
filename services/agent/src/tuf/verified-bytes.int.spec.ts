import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyedRepository } from '@keelson/tuf/testing';
import { documentType, observeSignatureChecks, type SignatureChecks } from '../test-fixtures/signature-checks.js';
import { verifiedBytesInstalled } from './verified-bytes.js';
import type { VerifiedDownloads } from './verified-download.js';

// Issue 11: each refresh checked again the signatures of the metadata the device had checked at its last one.
describe("a device's next refresh, over metadata it already checked", () => {
  let t: SignatureChecks;

  beforeEach(async () => {
    t = await observeSignatureChecks((metadata) => `${documentType(metadata)} v${metadata.signed.version}`);
  });
  afterEach(() => t.close());
  const ref = (published: { targetPath: string; sha256: string; length: number }) => ({
    name: 'yolo',
    version: '2.1.0',
    kind: 'model' as const,
    ...published,
  });
  const publishInAnotherBin = (than: string) => {
    for (let i = 0; ; i++) {
      const path = `model/other-${i}/1.0.0/model.onnx`;
      if (t.repo.binOf(path) !== t.repo.binOf(than)) return t.repo.publish(path, Buffer.from(`other ${i}`));
    }
  };
  /** Refreshes, looks the target up and downloads it; returns the signature checks made. */
  const update = async (d: VerifiedDownloads, published: ReturnType<KeyedRepository['publish']>) => {
    t.checked.length = 0;
    await d.download(await d.refresh(), ref(published));
    return [...t.checked];
  };

  it('is in place on the tuf-js version it was checked against', () => {
    expect(verifiedBytesInstalled).toBe(true);
  });

  it('checks only the documents that changed: the new timestamp, snapshot and bin, not the root, targets or its own old copies', async () => {
    const first = t.repo.publish('model/yolo/2.1.0/model.onnx', Buffer.from('first'));
    const d = t.downloads();
    expect(await update(d, first)).toEqual(['root v1', 'timestamp v2', 'snapshot v2', 'targets v1', 'targets v2']);
    const second = publishInAnotherBin(first.targetPath);
    // Before: root, the old timestamp and snapshot read back from disk, the new ones, the targets read back, the bin.
    expect(await update(d, second)).toEqual(['timestamp v3', 'snapshot v3', 'targets v2']);
  });

  it('checks a root changed on disk since the last refresh in full, and refuses it', async () => {
    const published = t.repo.publish('model/yolo/2.1.0/model.onnx', Buffer.from('first'));
    const d = t.downloads();
    await update(d, published);
    const root = JSON.parse(readFileSync(join(t.layout.tufDir, 'root.json'), 'utf8')) as { signed: { expires: string } };
    root.signed.expires = '2099-01-01T00:00:00Z';
    writeFileSync(join(t.layout.tufDir, 'root.json'), JSON.stringify(root));
    t.checked.length = 0;
    await expect(d.refresh()).rejects.toThrow('root was signed by 0/1 keys');
    expect(t.checked).toEqual(['root v1']);
  });

  it('remembers per device: another agent on the same data dir checks everything again', async () => {
    const published = t.repo.publish('model/yolo/2.1.0/model.onnx', Buffer.from('first'));
    await update(t.downloads(), published);
    expect(await update(t.downloads(), published)).toEqual(['root v1', 'timestamp v2', 'snapshot v2', 'targets v1', 'targets v2']);
  });
});
