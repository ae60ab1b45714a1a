// bench/rollout-fold: what one device outcome costs the rollout aggregate (decide + evolve) as the
// rollout grows, 1k to 100k devices, with a baseline decider from another checkout timed in the
// same run on the same states. Pure CPU: no NATS, no database.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Strategy } from '@keelson/events';
import { rolloutFoldArgs } from './args.js';
import type { RolloutFold } from './fold-rollout.js';
import { measureFold, type FoldFigures } from './measure-fold.js';
import { printReport } from './report.js';

const args = rolloutFoldArgs(process.argv.slice(2));
const log = (line: string) => console.error(`bench: ${line}`);
process.on('exit', (code) => log(`exit code ${code}`));

const scenarios: [string, Strategy][] = [
  ['waves 1/10/50/100 %', { waves: [1, 10, 50, 100].map((percent) => ({ percent, gate: 'auto' as const })), maxFailures: 0 }],
  ['one wave, maxConcurrent 1000', { waves: [{ percent: 100, gate: 'auto' }], maxFailures: 0, maxConcurrent: 1000 }],
];

async function baselineFold(dir: string): Promise<RolloutFold<unknown>> {
  // the decider moved into rollouts/domain/; a baseline built before that has it one level up
  const paths = ['domain/rollout.decider.js', 'rollout.decider.js'].map((p) =>
    resolve(dir, 'services/rollout-orchestrator/dist/rollouts', p),
  );
  const url = pathToFileURL(paths.find((p) => existsSync(p)) ?? paths[0]!).href;
  const { rolloutDecider } = (await import(url)) as { rolloutDecider: RolloutFold<unknown> };
  return rolloutDecider;
}

const baseline = args.baselineCode ? await baselineFold(args.baselineCode) : undefined;
log('warming up (1000 devices)…');
measureFold(1000, 'warm-up', scenarios[0]![1], 50, baseline);
const figures: FoldFigures[] = [];
for (const devices of args.sizes) {
  for (const [name, strategy] of scenarios) {
    log(`${devices} devices, ${name}…`);
    figures.push(measureFold(devices, name, strategy, Math.min(args.window, Math.floor(devices / 20)), baseline));
  }
}
printReport(figures, args.baselineCode);
