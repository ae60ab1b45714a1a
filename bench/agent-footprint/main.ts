// bench/agent-footprint: what one enrolled, connected agent costs its device — resident memory idle,
// CPU and bytes per update — run from the x64 release bundle as a device runs it. The baseline in the
// same run: the bundle's own Node doing nothing (the floor any Node agent starts from).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startBenchPlatform } from '../rollout-fanout/bench-platform.js';
import { OperatorApi, until, type RolloutView } from '../rollout-fanout/operator-api.js';
import { installAgent } from './installed-agent.js';
import { processFigures, type ProcessFigures } from './process-figures.js';
import { printReport, type UpdateFigures } from './report.js';

const { values } = parseArgs({ options: { updates: { type: 'string', default: '5' }, 'artifact-kib': { type: 'string', default: '256' }, 'idle-s': { type: 'string', default: '20' } } });
const updates = Number(values.updates);
const artifactKiB = Number(values['artifact-kib']);
const idleSeconds = Number(values['idle-s']);
for (const [flag, n] of [['--updates', updates], ['--artifact-kib', artifactKiB], ['--idle-s', idleSeconds]] as const) {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a whole number >= 1`);
}
const log = (line: string) => console.error(`bench: ${line}`);

const bench = await startBenchPlatform();
const api = new OperatorApi(bench.platform.apiUrl, bench.adminToken);
let agent: Awaited<ReturnType<typeof installAgent>> | undefined;
let baseline: ReturnType<typeof spawn> | undefined;
try {
  const token = await api.call<{ token: string; gatewayUrl: string; caFingerprint: string }>('/v1/enrollment-tokens', {});
  agent = await installAgent(token, log);
  baseline = spawn(agent.node, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  log(`agent ${agent.pid} connected; idle for ${idleSeconds} s…`);
  await sleep(idleSeconds * 1000);
  const idle = processFigures(agent.pid);
  const bare = processFigures(baseline.pid!);

  const ready = join(agent.dir, 'ready');
  writeFileSync(ready, 'ok\n');
  await api.createGroup('footprint', ['footprint-1']);
  const perUpdate: UpdateFigures[] = [];
  for (let i = 1; i <= updates; i++) {
    const version = `1.0.${i}`;
    await api.publishArtifact('footprint-model', version, Buffer.alloc(artifactKiB * 1024, i), 60_000);
    const before: ProcessFigures = processFigures(agent.pid);
    const started = Date.now();
    const created = await api.call<RolloutView>('/v1/rollouts', {
      artifact: `footprint-model@${version}`, group: 'footprint',
      probe: { kind: 'file', path: ready, timeoutSeconds: 10, attempts: 1 },
      strategy: { waves: [{ percent: 100, gate: 'auto' }], maxFailures: 0 },
    });
    const done = await until(`rollout ${created.rolloutId}`, 60_000, async () => {
      const view = await api.getRollout(created.rolloutId);
      return ['succeeded', 'failed', 'halted'].includes(view.status) ? view : undefined;
    });
    if (done.status !== 'succeeded') throw new Error(`update ${version} ended ${done.status}: ${JSON.stringify(done.devices)}`);
    await sleep(1000); // the agent's report and hello after the update
    const after = processFigures(agent.pid);
    perUpdate.push({ version, wallMs: Date.now() - started, cpuMs: after.cpuMs - before.cpuMs, readBytes: after.readBytes - before.readBytes, writtenBytes: after.writtenBytes - before.writtenBytes, rssMiB: after.rssMiB });
    log(`update ${version}: ${done.status}`);
  }
  printReport({ idle, bare, perUpdate, artifactBytes: artifactKiB * 1024, idleSeconds, final: processFigures(agent.pid) });
} finally {
  baseline?.kill('SIGTERM');
  await agent?.stop();
  await bench.destroy();
}
