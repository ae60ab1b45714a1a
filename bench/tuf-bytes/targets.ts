import { createHash } from 'node:crypto';
import type { TargetEntry } from '@keelson/tuf';

/**
 * The `i`-th target of a fleet as the signer signs a published model: `<kind>/<name>/<version>/<file>`
 * with the custom field devices read (`{ keelson: { manifest, artifactId } }`), a manifest of the
 * size a real one has (inputs, metrics, hardware).
 */
export function targetEntry(i: number): TargetEntry {
  const name = `model-${i}`;
  const version = `1.${i % 7}.${i % 13}`;
  return {
    path: `model/${name}/${version}/model.onnx`,
    length: 4_000_000 + i,
    sha256: createHash('sha256').update(`weights of ${name} ${version}`).digest('hex'),
    custom: {
      keelson: {
        artifactId: `art-${createHash('sha256').update(name).digest('hex').slice(0, 20)}`,
        manifest: {
          kind: 'model',
          framework: 'onnx',
          inputs: [{ name: 'images', dtype: 'float32', shape: [1, 3, 640, 640] }],
          metrics: { mAP: 0.5 + (i % 50) / 100, latencyMs: 12 + (i % 9) },
          hardware: { architecture: 'arm64', accelerator: 'npu', minMemoryMiB: 512 },
        },
      },
    },
  };
}
