import { rejectedPaths } from '../test-support/rejected-paths.js';
import { parseArtifactEvent, type ArtifactPublished, type ArtifactReceived, type ArtifactRejected } from './artifact-events.js';

const issuesOf = (raw: unknown): string[] => rejectedPaths(parseArtifactEvent, raw);

const sha256 = '3f786850e387550fdab836ed7e6dc881de23001b4f1d1b5f1ff4ad0b2e4d9d7c';

const received: ArtifactReceived = {
  type: 'ArtifactReceived',
  schemaVersion: 1,
  data: {
    fleet: 'plant-7',
    artifactId: 'a-yolo-v8n-2-1-0',
    name: 'yolo-v8n',
    version: '2.1.0',
    kind: 'model',
    targetPath: 'model/yolo-v8n/2.1.0/model.onnx',
    sha256,
    length: 6_534_321,
    contentType: 'application/octet-stream',
    manifest: {
      kind: 'model',
      framework: 'onnx',
      inputs: [{ name: 'images', dtype: 'float32', shape: [-1, 3, 640, 640] }],
      metrics: { 'mAP50-95': 0.373, latencyMs: 8.1 },
      hardware: { accelerator: 'jetson-orin-nano', minMemoryMb: 2048, architectures: ['arm64'] },
    },
  },
};

describe('artifact events', () => {
  it('parse a received model to itself', () => {
    expect(parseArtifactEvent(received)).toEqual(received);
  });

  it('parse container and config manifests', () => {
    const container = {
      ...received.data,
      kind: 'container',
      manifest: { kind: 'container', repository: 'ghcr.io/acme/line-inspector', digest: `sha256:${sha256}`, platform: 'linux/arm64' },
    } as const;
    const config = { ...received.data, kind: 'config', manifest: { kind: 'config', format: 'yaml' } } as const;
    expect(parseArtifactEvent({ ...received, data: container }).data).toEqual(container);
    expect(parseArtifactEvent({ ...received, data: config }).data).toEqual(config);
  });

  it('parse a published and a rejected artifact to themselves', () => {
    const published: ArtifactPublished = {
      type: 'ArtifactPublished',
      schemaVersion: 1,
      data: {
        fleet: 'plant-7',
        artifactId: 'a-yolo-v8n-2-1-0',
        name: 'yolo-v8n',
        version: '2.1.0',
        targetPath: 'model/yolo-v8n/2.1.0/model.onnx',
        sha256,
        length: 6_534_321,
        targetsVersion: 12,
      },
    };
    const rejected: ArtifactRejected = {
      type: 'ArtifactRejected',
      schemaVersion: 1,
      data: { fleet: 'plant-7', artifactId: 'a-yolo-v8n-2-1-0', reason: 'sha256 of the upload does not match the declared digest' },
    };
    expect(parseArtifactEvent(published)).toEqual(published);
    expect(parseArtifactEvent(rejected)).toEqual(rejected);
  });

  describe('reject', () => {
    const withData = (patch: object) => ({ ...received, data: { ...received.data, ...patch } });
    const withManifest = (patch: object) => withData({ manifest: { ...received.data.manifest, ...patch } });

    it('a manifest of another kind than the artifact', () => {
      expect(issuesOf(withData({ kind: 'config' }))).toEqual(['data.manifest.kind']);
    });

    it('a model without inputs or with an unknown framework', () => {
      expect(issuesOf(withManifest({ inputs: [] }))).toEqual(['data.manifest.inputs']);
      expect(issuesOf(withManifest({ framework: 'pytorch' }))).toEqual(['data.manifest.framework']);
    });

    it('a container digest that is not sha256:<hex>', () => {
      const manifest = { kind: 'container', repository: 'ghcr.io/acme/line-inspector', digest: sha256 };
      expect(issuesOf(withData({ kind: 'container', manifest }))).toEqual(['data.manifest.digest']);
    });

    it('an uppercase digest, an uppercase name and a negative length', () => {
      expect(issuesOf(withData({ sha256: sha256.toUpperCase(), name: 'YOLO', length: -1 }))).toEqual([
        'data.name',
        'data.sha256',
        'data.length',
      ]);
    });

    it('a version that could escape a path', () => {
      expect(issuesOf(withData({ version: '../2.1.0' }))).toEqual(['data.version']);
    });
  });
});
