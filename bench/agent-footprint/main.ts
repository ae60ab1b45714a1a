// bench/agent-footprint: what one enrolled, connected agent costs its device — resident memory idle,
// CPU and bytes per update — run from the x64 release bundle as a device runs it. The baseline in the
// same run: the bundle's own Node doing nothing (the floor any Node agent starts from). With
// `--compare-bundle <tar.gz>` (repeatable; e.g. built from another commit, or with other launcher flags)
// one more agent per bundle runs beside it through the same idle time and the same rollouts.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startBenchPlatform } from '../rollout-fanout/bench-platform.js';
import { OperatorApi, until, type RolloutView } from '../rollout-fanout/operator-api.js';
import { installAgent, launcherFlags } from './installed-agent.js';
import { processFigures, type ProcessFigures } from './process-figures.js';
import { printReport, type UpdateFigures } from './report.js';

const { values } = parseArgs({
  options: {
    updates: { type: 'string', default: '5' },
    'artifact-kib': { type: 'string', default: '256' },
    'idle-s': { type: 'string', default: '20' },
    'compare-bundle': { type: 'string', multiple: true },
  },
});
const updates = Number(values.updates);
const artifactKiB = Number(values['artifact-kib']);
const idleSeconds = Number(values['idle-s']);
for (const [flag, n] of [
  ['--updates', updates],
  ['--artifact-kib', artifactKiB],
  ['--idle-s', idleSeconds],
] as const) {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a whole number >= 1`);
}
const log = (line: string) => console.error(`bench: ${line}`);

const bench = await startBenchPlatform();
const api = new OperatorApi(bench.platform.apiUrl, bench.adminToken);
type Agent = Awaited<ReturnType<typeof installAgent>>;
const agents: { label: string; name: string; agent: Agent; perUpdate: UpdateFigures[]; idle?: ProcessFigures }[] = [];
let baseline: ReturnType<typeof spawn> | undefined;
let tlsBaseline: ReturnType<typeof spawn> | undefined;
try {
  const bundles = [
    { label: 'this checkout', bundle: undefined as string | undefined },
    ...(values['compare-bundle'] ?? []).map((bundle) => ({ label: `compared: ${bundle}`, bundle })),
  ];
  for (const [i, { label, bundle }] of bundles.entries()) {
    const token = await api.call<{ token: string; gatewayUrl: string; caFingerprint: string }>('/v1/enrollment-tokens', {});
    const name = `footprint-${i + 1}`;
    agents.push({ label, name, agent: await installAgent(token, name, log, bundle), perUpdate: [] });
  }
  const first = agents[0]!.agent;
  baseline = spawn(first.node, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  // The floor of any agent that speaks TLS: the same Node, the launcher's flags, node:tls loaded and a context made.
  tlsBaseline = spawn(first.node, [...launcherFlags, '-e', "require('node:tls').createSecureContext({}); setInterval(() => {}, 1000)"], {
    stdio: 'ignore',
  });
  log(`agents ${agents.map((a) => a.agent.pid).join(', ')} connected; idle for ${idleSeconds} s…`);
  await sleep(idleSeconds * 1000);
  for (const a of agents) a.idle = processFigures(a.agent.pid);
  const bare = processFigures(baseline.pid!);
  const withTls = processFigures(tlsBaseline.pid!);

  const ready = join(first.dir, 'ready');
  writeFileSync(ready, 'ok\n');
  await api.createGroup(
    'footprint',
    agents.map((a) => a.name),
  );
  for (let i = 1; i <= updates; i++) {
    const version = `1.0.${i}`;
    await api.publishArtifact('footprint-model', version, Buffer.alloc(artifactKiB * 1024, i), 60_000);
    const before = agents.map((a) => processFigures(a.agent.pid));
    const started = Date.now();
    const created = await api.call<RolloutView>('/v1/rollouts', {
      artifact: `footprint-model@${version}`,
      group: 'footprint',
      probe: { kind: 'file', path: ready, timeoutSeconds: 10, attempts: 1 },
      strategy: { waves: [{ percent: 100, gate: 'auto' }], maxFailures: 0 },
    });
    const done = await until(`rollout ${created.rolloutId}`, 60_000, async () => {
      const view = await api.getRollout(created.rolloutId);
      return ['succeeded', 'failed', 'halted'].includes(view.status) ? view : undefined;
    });
    if (done.status !== 'succeeded') throw new Error(`update ${version} ended ${done.status}: ${JSON.stringify(done.devices)}`);
    await sleep(1000); // the agents' reports and hellos after the update
    const wallMs = Date.now() - started;
    for (const [j, a] of agents.entries()) {
      const after = processFigures(a.agent.pid);
      a.perUpdate.push({
        version,
        wallMs,
        cpuMs: after.cpuMs - before[j]!.cpuMs,
        readBytes: after.readBytes - before[j]!.readBytes,
        writtenBytes: after.writtenBytes - before[j]!.writtenBytes,
        rssMiB: after.rssMiB,
      });
    }
    log(`update ${version}: ${done.status}`);
  }
  for (const a of agents)
    printReport({
      label: a.label,
      idle: a.idle!,
      bare,
      withTls,
      perUpdate: a.perUpdate,
      artifactBytes: artifactKiB * 1024,
      idleSeconds,
      final: processFigures(a.agent.pid),
    });
} finally {
  baseline?.kill('SIGTERM');
  tlsBaseline?.kill('SIGTERM');
  for (const a of agents) await a.agent.stop();
  await bench.destroy();
}
