import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The command lines the CLI specs run again and again (cli.e2e.spec.ts, actions/rollout.actions.e2e.spec.ts):
// a sample model pushed from a spec's directory, and rollouts created from the command line.

/** The sample model's manifest: an ONNX detector with no hardware needs. */
export const sampleManifest = {
  kind: 'model',
  framework: 'onnx',
  inputs: [{ name: 'images', dtype: 'float32', shape: [1, 3, 640, 640] }],
  metrics: { mAP: 0.37 },
  hardware: {},
};

/** Writes `bytes` to `<dir>/yolo.onnx` and the sample manifest to `<dir>/manifest.json`. */
export function writeSampleModel(dir: string, bytes: string | Buffer): void {
  writeFileSync(join(dir, 'yolo.onnx'), bytes);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(sampleManifest));
}

/**
 * `artifact push <dir>/yolo.onnx --name NAME --version VERSION --kind model --manifest MANIFEST`
 * (by default `<dir>/manifest.json`), then `more`.
 */
export function pushModelArgs(
  dir: string,
  name: string,
  version: string,
  options: { manifest?: string } = {},
  ...more: string[]
): string[] {
  const manifest = options.manifest ?? join(dir, 'manifest.json');
  return [
    'artifact',
    'push',
    join(dir, 'yolo.onnx'),
    '--name',
    name,
    '--version',
    version,
    '--kind',
    'model',
    '--manifest',
    manifest,
    ...more,
  ];
}

/**
 * `rollout create --artifact ARTIFACT <target> --waves WAVES --probe PROBE`, then `more`; the target
 * is its flags as given (`['--group', 'line-7']`, `['--device', 'cam-01', '--supersede', 'known-good']`).
 */
export function rolloutCreateArgs(artifact: string, target: string[], waves: string, probe: string, ...more: string[]): string[] {
  return ['rollout', 'create', '--artifact', artifact, ...target, '--waves', waves, '--probe', probe, ...more];
}
