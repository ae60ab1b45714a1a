import { given, NotFound, RuleViolation } from '@keelson/domain-kit';
import type { ArtifactEvent, ArtifactManifest } from '@keelson/events';
import { artifactDecider, type ArtifactCommand } from './artifact.decider.js';

const fleet = 'plant-7';
const artifactId = 'a-0123456789abcdef';
const sha256 = 'ab'.repeat(32);
const targetPath = 'model/yolo-v8n/2.1.0/model.onnx';
const manifest: ArtifactManifest = {
  kind: 'model',
  framework: 'onnx',
  inputs: [{ name: 'images', dtype: 'float32', shape: [1, 3, 640, 640] }],
  metrics: {},
  hardware: {},
};

const receive: Extract<ArtifactCommand, { type: 'ReceiveArtifact' }> = {
  type: 'ReceiveArtifact',
  fleet,
  artifactId,
  name: 'yolo-v8n',
  version: '2.1.0',
  kind: 'model',
  targetPath,
  sha256,
  length: 1234,
  contentType: 'application/octet-stream',
  manifest,
};
const received: ArtifactEvent = {
  type: 'ArtifactReceived',
  schemaVersion: 1,
  data: {
    fleet,
    artifactId,
    name: 'yolo-v8n',
    version: '2.1.0',
    kind: 'model',
    targetPath,
    sha256,
    length: 1234,
    contentType: 'application/octet-stream',
    manifest,
  },
};
const publish = (patch: Partial<Extract<ArtifactCommand, { type: 'PublishArtifact' }>> = {}): ArtifactCommand => ({
  type: 'PublishArtifact',
  targetPath,
  signedSha256: sha256,
  signedLength: 1234,
  targetsVersion: 3,
  ...patch,
});
const published: ArtifactEvent = {
  type: 'ArtifactPublished',
  schemaVersion: 1,
  data: { fleet, artifactId, name: 'yolo-v8n', version: '2.1.0', targetPath, sha256, length: 1234, targetsVersion: 3 },
};
const rejected: ArtifactEvent = {
  type: 'ArtifactRejected',
  schemaVersion: 1,
  data: { fleet, artifactId, reason: 'the signed target lists another sha256 or length than the stored blob' },
};

describe('artifact aggregate', () => {
  describe('when received', () => {
    it('records a new name@version with its blob and manifest', () => {
      given(artifactDecider, []).when(receive).then([received]);
    });

    it('refuses a second upload of the same name@version, whatever its bytes', () => {
      given(artifactDecider, [received]).when(receive).thenThrows(RuleViolation, 'artifact.exists');
      given(artifactDecider, [received, published])
        .when({ ...receive, sha256: 'cd'.repeat(32) })
        .thenThrows(RuleViolation, 'artifact.exists');
      given(artifactDecider, [received, rejected]).when(receive).thenThrows(RuleViolation, 'artifact.exists');
    });
  });

  describe('when its target is signed', () => {
    it('publishes a received artifact with the targets version that signed it', () => {
      given(artifactDecider, [received]).when(publish()).then([published]);
    });

    it('does nothing when it is already published (signed again later)', () => {
      given(artifactDecider, [received, published])
        .when(publish({ targetsVersion: 4 }))
        .then([]);
    });

    it('rejects the artifact when the signature covers other bytes than the stored blob', () => {
      given(artifactDecider, [received])
        .when(publish({ signedSha256: 'ef'.repeat(32) }))
        .then([rejected]);
      given(artifactDecider, [received])
        .when(publish({ signedLength: 1235 }))
        .then([rejected]);
    });

    it('refuses an unknown artifact, another target path and a rejected artifact', () => {
      given(artifactDecider, []).when(publish()).thenThrows(NotFound, 'artifact.not-found');
      given(artifactDecider, [received])
        .when(publish({ targetPath: 'model/yolo-v8n/2.1.0/other.onnx' }))
        .thenThrows(RuleViolation, 'artifact.target-mismatch');
      given(artifactDecider, [received, rejected]).when(publish()).thenThrows(RuleViolation, 'artifact.rejected');
    });
  });

  it('ignores publish and reject events of an artifact it never received', () => {
    expect([published, rejected].reduce(artifactDecider.evolve, artifactDecider.initialState())).toEqual({ status: 'absent' });
  });
});
