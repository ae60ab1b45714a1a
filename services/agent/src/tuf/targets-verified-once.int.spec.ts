import { Metadata, MetadataKind } from '@tufjs/models';
import { documentType, observeSignatureChecks, type SignatureChecks } from '../test-fixtures/signature-checks.js';
import { targetsVerifiedOnceInstalled } from './targets-verified-once.js';

type Json = Parameters<typeof Metadata.fromJSON>[1];
/** The updater's trusted set, as tuf-js keeps it (private). */
type Held = { trustedSet: { trustedSet: Record<string, unknown> } };

// Issue 11: tuf-js checked the top-level targets' signature at the refresh and again at the target's lookup.
describe('the top-level targets, checked once per update', () => {
  const bytes = Buffer.from('onnx model bytes in a bin');
  let t: SignatureChecks;

  beforeEach(async () => {
    t = await observeSignatureChecks((metadata) =>
      documentType(metadata) === MetadataKind.Targets ? `targets v${metadata.signed.version}` : documentType(metadata),
    );
  });
  afterEach(() => t.close());
  const ref = (published: { targetPath: string; sha256: string; length: number }) => ({
    name: 'yolo',
    version: '2.1.0',
    kind: 'model' as const,
    ...published,
  });

  it('is in place on the tuf-js version it was checked against', () => {
    expect(targetsVerifiedOnceInstalled).toBe(true);
  });

  it('checks each document of an update once: root, timestamp, snapshot, targets, then the bin at the lookup', async () => {
    const published = t.repo.publish('model/yolo/2.1.0/model.onnx', bytes);
    const d = t.downloads();
    await d.download(await d.refresh(), ref(published));
    // The top-level targets (v1) and the target's bin (v2 after the publish) are both targets documents.
    expect(t.checked).toEqual(['root', 'timestamp', 'snapshot', 'targets v1', 'targets v2']);
  });

  it('checks a held targets again when it is not the object its delegator verified, and refuses a tampered one', async () => {
    const published = t.repo.publish('model/yolo/2.1.0/model.onnx', bytes);
    const d = t.downloads();
    const updater = await d.refresh();
    const held = (updater as unknown as Held).trustedSet.trustedSet;
    const json = (held.targets as { toJSON(): unknown }).toJSON() as { signed: { expires: string } };
    json.signed.expires = '2099-01-01T00:00:00Z'; // a longer life than was signed
    held.targets = Metadata.fromJSON(MetadataKind.Targets, json as unknown as Json);
    t.checked.length = 0;
    await expect(d.download(updater, ref(published))).rejects.toThrow('targets was signed by 0/1 keys');
    expect(t.checked).toEqual(['targets v1']);
  });
});
