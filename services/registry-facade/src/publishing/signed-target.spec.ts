import { signedTargetOf } from './signed-target.js';

const path = 'model/yolo-v8n/2.1.0/model.onnx';
const sha256 = 'ab'.repeat(32);
const targetsMetadata = (targets: unknown) => ({
  signatures: [],
  signed: { _type: 'targets', version: 2, spec_version: '1.0.31', expires: '2027-01-01T00:00:00Z', targets },
});

describe('signed targets', () => {
  it('reads the length and sha256 a targets document signs for a path', () => {
    const doc = targetsMetadata({ [path]: { length: 1234, hashes: { sha256, sha512: 'cd'.repeat(64) }, custom: { keelson: {} } } });
    expect(signedTargetOf(doc, path)).toEqual({ sha256, length: 1234 });
  });

  it('finds nothing for an unlisted path, a missing sha256 or length, or a document of another shape', () => {
    expect(signedTargetOf(targetsMetadata({ [path]: { length: 1, hashes: { sha256 } } }), 'model/other/1.0.0/x')).toBeNull();
    expect(signedTargetOf(targetsMetadata({ [path]: { length: 1, hashes: { sha512: 'cd'.repeat(64) } } }), path)).toBeNull();
    expect(signedTargetOf(targetsMetadata({ [path]: { hashes: { sha256 } } }), path)).toBeNull();
    expect(signedTargetOf({ targets: { [path]: { length: 1, hashes: { sha256 } } } }, path)).toBeNull();
    expect(signedTargetOf(targetsMetadata({}), '__proto__')).toBeNull();
  });
});
