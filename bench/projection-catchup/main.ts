// bench/projection-catchup: how long a single-active projection takes to catch up with `--events`
// events after a gap (events its consumer handed to a pull that went away unacknowledged, as in a
// nats-server failover), the current ProjectionRunner and a baseline checkout's in the same run,
// against one nats-server and one PostgreSQL the bench starts itself.
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ProjectionRunner } from '@keelson/event-store';
import { catchUpArgs } from './args.js';
import { startBenchServers } from './bench-servers.js';
import { measureCatchUp, type CatchUpFigures, type RunnerClass } from './catch-up.js';

const args = catchUpArgs(process.argv.slice(2));
const log = (line: string) => console.error(`bench: ${line}`);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

async function baselineRunner(dir: string): Promise<RunnerClass> {
  const url = pathToFileURL(resolve(dir, 'libs/event-store/dist/index.js')).href;
  return ((await import(url)) as { ProjectionRunner: RunnerClass }).ProjectionRunner;
}

const runners: [string, RunnerClass][] = [['current', ProjectionRunner as unknown as RunnerClass]];
if (args.baselineCode) runners.push(['baseline', await baselineRunner(args.baselineCode)]);
const servers = await startBenchServers(repoRoot);
const figures: CatchUpFigures[] = [];
try {
  for (const [code, Runner] of runners) {
    log(`${code}: ${args.events} events behind ${args.lost} lost ones, batch size ${args.batchSize}…`);
    figures.push(await measureCatchUp(servers, Runner, code, args));
  }
} finally {
  await servers.stop();
}

const s = (ms: number) => (ms / 1000).toFixed(2);
console.log(`projection catch-up after a gap: ${args.events} events, ${args.lost} held by a lost pull, batch size ${args.batchSize}`);
console.log('| code | appended → caught up (s) | last append → caught up (s) | events/s | gaps reported | every event once, in order |');
console.log('|---|---|---|---|---|---|');
for (const f of figures) {
  console.log(
    `| ${f.code} | ${s(f.totalMs)} | ${s(f.trailMs)} | ${Math.round(args.events / (f.totalMs / 1000))} | ${f.gaps} | ${f.complete ? 'yes' : 'NO'} |`,
  );
}
if (figures.some((f) => !f.complete)) process.exitCode = 1;
