// The sample model `npm start` offers to roll out, and the copy-paste lines that do it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { writeCandidateModels } from './experiment-tour.mjs';

/** Writes a small "model", its candidate versions and its manifest under `<home>/examples` (rewritten on every start). */
export function writeExamples(home) {
  const dir = join(home, 'examples');
  mkdirSync(dir, { recursive: true });
  const model = join(dir, 'yolo-v8n-2.1.0.onnx');
  // Not a real ONNX graph: the platform treats models as opaque bytes, the manifest says what they are.
  writeFileSync(model, `keelson sample model yolo-v8n 2.1.0\n${'0123456789abcdef'.repeat(4096)}\n`);
  const manifest = join(dir, 'yolo-v8n.manifest.json');
  writeFileSync(
    manifest,
    `${JSON.stringify(
      {
        kind: 'model',
        framework: 'onnx',
        inputs: [{ name: 'images', dtype: 'float32', shape: [1, 3, 640, 640] }],
        metrics: { 'mAP50-95': 0.373, latencyMs: 8.1 },
        hardware: { accelerator: 'jetson-orin-nano', minMemoryMb: 2048, architectures: ['arm64'] },
      },
      null,
      2,
    )}\n`,
  );
  return { model, manifest, candidates: writeCandidateModels(dir) };
}

/** A path as typed from `cwd`: relative when the file is under it, absolute otherwise (no `../../tmp/...`). */
export function relativeTo(cwd) {
  return (p) => {
    const r = relative(cwd, p);
    return r && !r.startsWith('..') && !isAbsolute(r) ? r : p;
  };
}

/** The lines a newcomer pastes into a second terminal to push the sample and roll it out. */
export function tryNext({ apiUrl, adminToken, fleetNames, examples, cwd }) {
  const rel = relativeTo(cwd);
  const group = fleetNames.length ? fleetNames.join(',') : '<device names from `npx keelson device list`>';
  return [
    `export KEELSON_URL=${apiUrl} KEELSON_TOKEN=${adminToken}`,
    `npx keelson artifact push ${rel(examples.model)} --name yolo-v8n --version 2.1.0 --kind model --manifest ${rel(examples.manifest)}`,
    `npx keelson group create plant-7 --devices ${group}`,
    `npx keelson rollout create --artifact yolo-v8n@2.1.0 --group plant-7 --waves 10,50,100 --probe file:/run/app/ready --json | tee /tmp/keelson-rollout.json`,
    `npx keelson rollout watch "$(node -p 'JSON.parse(require("fs").readFileSync("/tmp/keelson-rollout.json","utf8")).rolloutId')"`,
    `npx keelson audit list --rollout "$(node -p 'JSON.parse(require("fs").readFileSync("/tmp/keelson-rollout.json","utf8")).rolloutId')"`,
  ];
}

/** What to try after the first rollout: promote it, then target by capability and channel behind a manual gate. */
export function tryAfter() {
  const idOf = (file) => `"$(node -p 'JSON.parse(require("fs").readFileSync("${file}","utf8")).rolloutId')"`;
  return [
    `npx keelson rollout promote ${idOf('/tmp/keelson-rollout.json')} --channel stable`,
    `npx keelson rollout create --artifact yolo-v8n@stable --selector 'site=north, memoryMb>=8000' --waves 50,100 --gates manual,auto --probe file:/run/app/ready --json | tee /tmp/keelson-rollout-2.json`,
    `npx keelson rollout approve ${idOf('/tmp/keelson-rollout-2.json')}`,
    `npx keelson rollout watch ${idOf('/tmp/keelson-rollout-2.json')}`,
  ];
}
