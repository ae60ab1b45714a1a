// The experiment part of the `npm start` tour: what each simulated device's application reports per
// version of the sample model, the candidate versions to publish, and the lines that run the experiments.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The simulated application (`keelson-sim --app-metrics`): 2.2.0 is surely more confident than 2.1.0
 * at the same latency, 2.3.0 is as confident as 2.2.0 but half again as slow, 2.2.1 is 2.2.0 again.
 */
export const tourAppMetrics = [
  'confidence_mean=normal(0.80,0.02)@2.1.0,normal(0.86,0.02)@2.2.0,normal(0.86,0.02)@2.3.0,normal(0.86,0.02)@2.2.1',
  'latency_ms=normal(40,2)@2.1.0,normal(40,2)@2.2.0,normal(60,2)@2.3.0,normal(40,2)@2.2.1',
].join(';');

/**
 * Each device sends a window of its metrics every 10 s (the gateway's default rate), scraped every
 * second; the orchestrator judges every 2 s on looks of 10 s, so a tour experiment ends in a minute or two.
 */
export const tourMetricsWindow = { intervalSeconds: 10, scrapeSeconds: 1 };
export const tourExperimentEnv = (env) => ({
  KEELSON_EXPERIMENT_TICK_SECONDS: env.KEELSON_EXPERIMENT_TICK_SECONDS ?? '2',
  KEELSON_EXPERIMENT_LOOK_SECONDS: env.KEELSON_EXPERIMENT_LOOK_SECONDS ?? '10',
});

const candidates = ['2.2.0', '2.3.0', '2.2.1'];

/** Writes the candidate versions of the sample model next to it (the manifest is the same). */
export function writeCandidateModels(dir) {
  return Object.fromEntries(
    candidates.map((version) => {
      const file = join(dir, `yolo-v8n-${version}.onnx`);
      writeFileSync(file, `keelson sample model yolo-v8n ${version}\n${'fedcba9876543210'.repeat(4096)}\n`);
      return [version, file];
    }),
  );
}

const idOf = (file, field = 'experimentId') => `"$(node -p 'JSON.parse(require("fs").readFileSync("${file}","utf8")).${field}')"`;

/** `experiment create` of a candidate against a baseline on plant-7, with small figures so it ends soon. */
function create(candidate, baseline, file, extra = '') {
  return (
    `npx keelson experiment create --candidate yolo-v8n@${candidate} --baseline yolo-v8n@${baseline} --group plant-7 --split 50 ` +
    `--primary confidence_mean:higher --guardrail latency_ms:max+10% --min-samples 20 --max-duration 90s --probe file:/run/app/ready${extra} --json | tee ${file}`
  );
}

/** A better candidate, promoted by itself and rolled out to the whole group. */
export function tryExperiment({ rel, examples }) {
  const push = (v) =>
    `npx keelson artifact push ${rel(examples.candidates[v])} --name yolo-v8n --version ${v} --kind model --manifest ${rel(examples.manifest)}`;
  return [
    ...candidates.map(push),
    create('2.2.0', '2.1.0', '/tmp/keelson-experiment.json', ' --on-success promote:stable --then-rollout --waves 100'),
    `npx keelson experiment watch ${idOf('/tmp/keelson-experiment.json')}`,
    `npx keelson experiment show ${idOf('/tmp/keelson-experiment.json')} --json > /tmp/keelson-experiment.json`,
    `npx keelson rollout watch ${idOf('/tmp/keelson-experiment.json', 'rollouts.followUp')}`,
  ];
}

/** A slower candidate, aborted and reverted by itself; an equal one, inconclusive after 90 s and decided by you. */
export function tryMoreExperiments() {
  return [
    create('2.3.0', '2.2.0', '/tmp/keelson-experiment-2.json'),
    `npx keelson experiment watch ${idOf('/tmp/keelson-experiment-2.json')}`,
    create('2.2.1', '2.2.0', '/tmp/keelson-experiment-3.json'),
    `npx keelson experiment watch ${idOf('/tmp/keelson-experiment-3.json')}`,
    `npx keelson experiment decide ${idOf('/tmp/keelson-experiment-3.json')} --abort --reason "no better than 2.2.0"`,
  ];
}
