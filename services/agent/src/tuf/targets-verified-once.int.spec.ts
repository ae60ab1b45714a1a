import { rmSync } from 'node:fs';
import { Key, Metadata, MetadataKind } from '@tufjs/models';
import { TestDeviceCa } from '@keelson/testing';
import { issuedBy, startFakeFacade, type FakeFacade } from '../test-fixtures/fake-facade.js';
import { deviceId, enrolledDataDir, fleet } from '../test-fixtures/reconcile-harness.js';
import { TestTufRepository } from '../test-fixtures/tuf-repository.js';
import type { DataDirLayout } from '../data-dir/layout.js';
import { targetsVerifiedOnceInstalled } from './targets-verified-once.js';
import { VerifiedDownloads } from './verified-download.js';

/** A document whose signature is checked, as @tufjs/models passes it. */
type Checked = Parameters<Key['verifySignature']>[0];
/** The document's `_type` (`Signed` leaves it to its subclasses). */
const typeOf = (metadata: Checked): string => (metadata.signed as unknown as { type: string }).type;

type Json = Parameters<typeof Metadata.fromJSON>[1];
/** The updater's trusted set, as tuf-js keeps it (private). */
type Held = { trustedSet: { trustedSet: Record<string, unknown> } };

// Issue 11: tuf-js checked the top-level targets' signature at the refresh and again at the target's lookup.
describe('the top-level targets, checked once per update', () => {
  let repo: TestTufRepository;
  let facade: FakeFacade;
  let layout: DataDirLayout;
  const bytes = Buffer.from('onnx model bytes in a bin');
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
      checked.push(typeOf(metadata) === MetadataKind.Targets ? `targets v${metadata.signed.version}` : typeOf(metadata));
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

  it('is in place on the tuf-js version it was checked against', () => {
    expect(targetsVerifiedOnceInstalled).toBe(true);
  });

  it('checks each document of an update once: root, timestamp, snapshot, targets, then the bin at the lookup', async () => {
    const published = repo.publish('model/yolo/2.1.0/model.onnx', bytes);
    const d = downloads();
    await d.download(await d.refresh(), ref(published));
    // The top-level targets (v1) and the target's bin (v2 after the publish) are both targets documents.
    expect(checked).toEqual(['root', 'timestamp', 'snapshot', 'targets v1', 'targets v2']);
  });

  it('checks a held targets again when it is not the object its delegator verified, and refuses a tampered one', async () => {
    const published = repo.publish('model/yolo/2.1.0/model.onnx', bytes);
    const d = downloads();
    const updater = await d.refresh();
    const held = (updater as unknown as Held).trustedSet.trustedSet;
    const json = (held.targets as { toJSON(): unknown }).toJSON() as { signed: { expires: string } };
    json.signed.expires = '2099-01-01T00:00:00Z'; // a longer life than was signed
    held.targets = Metadata.fromJSON(MetadataKind.Targets, json as unknown as Json);
    checked = [];
    await expect(d.download(updater, ref(published))).rejects.toThrow('targets was signed by 0/1 keys');
    expect(checked).toEqual(['targets v1']);
  });
});
