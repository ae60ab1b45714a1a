// bench/tuf-update: what one device update's TUF work costs the agent, alone: N fresh devices (the
// pinned root only, as in rollout-fanout) each refresh a 256-bin fleet repository and look one
// target up, `--concurrency` at a time, with the agent's own tuf-js and its patches (signature
// memory, kept metadata file, linear snapshot, kept keys, …) loaded from `--agent-dist` — so two
// builds of the agent (a base worktree's and this one's) can be compared on the same repository.
// No HTTP, no MQTT, no journal: answers come from memory, copied as a socket read would give them.
// Reports CPU per update, V8's garbage collection per update (PerformanceObserver 'gc'), and in a
// second pass the bytes allocated per update (sampling heap profiler, freed objects included).
//
//   node bench/dist/tuf-update/main.js [--agent-dist DIR] [--devices 300] [--concurrency 50] [--rounds 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { fleetKeysFrom, generateKeyPems } from '@keelson/signer/dist/keys/fleet-keys.js';
import { FleetRepository } from '../tuf-bytes/fleet-repository.js';
import { targetEntry } from '../tuf-bytes/targets.js';
import { positiveInt } from '../rollout-fanout/args.js';
import { freshDevice, type AgentTuf } from './fresh-device.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    'agent-dist': { type: 'string', default: new URL('../../../services/agent/dist', import.meta.url).pathname },
    devices: { type: 'string' },
    concurrency: { type: 'string' },
    rounds: { type: 'string' },
  },
});
const agentDist = resolve(values['agent-dist']);
const devices = positiveInt('devices', values.devices, 300, 100_000);
const concurrency = positiveInt('concurrency', values.concurrency, 50, 10_000);
const rounds = positiveInt('rounds', values.rounds, 3, 100);
const log = (line: string) => console.error(`bench: ${line}`);

// The agent's tuf-js, with every patch the agent installs (verified-download.ts imports them all).
await import(join(agentDist, 'tuf/verified-download.js'));
const agentRequire = createRequire(join(agentDist, 'index.js'));
const tuf: AgentTuf = {
  Updater: agentRequire('tuf-js').Updater,
  DownloadHTTPError: agentRequire('tuf-js/dist/error.js').DownloadHTTPError,
  ...(await import(join(agentDist, 'tuf/verified-bytes.js'))),
  ...(await import(join(agentDist, 'tuf/kept-metadata.js'))),
  DataDirLayout: (await import(join(agentDist, 'data-dir/layout.js'))).DataDirLayout,
};

log('signing a fleet repository of 256 bins and 100 targets with the signer’s code…');
const repo = await FleetRepository.create('bench', fleetKeysFrom(generateKeyPems()), 256, () => new Date());
await repo.publish(Array.from({ length: 100 }, (_, i) => targetEntry(i)));
const wanted = targetEntry(42).path;
const dir = mkdtempSync(join(tmpdir(), 'keelson-tuf-update-'));

let made = 0;
async function updateAll(): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < devices) {
      next += 1;
      await freshDevice(tuf, join(dir, `d-${made++}`), repo.pinnedRoot, repo.files, wanted);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, devices) }, worker));
}

const gc = { minor: 0, major: 0, count: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.minor += e.duration;
    else gc.major += e.duration;
    gc.count += 1;
  }
}).observe({ entryTypes: ['gc'] });

try {
  await updateAll(); // warm-up: code compiled, key objects kept
  for (let round = 1; round <= rounds; round++) {
    Object.assign(gc, { minor: 0, major: 0, count: 0 });
    const cpu = process.cpuUsage();
    const started = performance.now();
    await updateAll();
    const used = process.cpuUsage(cpu);
    await new Promise((r) => setImmediate(r)); // the last gc entries
    const per = (x: number) => (x / devices).toFixed(3);
    log(
      `round ${round}: ${per((used.user + used.system) / 1000)} CPU-ms per update, gc ${per(gc.minor)} ms scavenges + ${per(gc.major)} ms ` +
        `full/incremental per update (${gc.count} pauses), ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    console.log(
      JSON.stringify({
        round,
        cpuMs: (used.user + used.system) / 1000 / devices,
        scavengeMs: gc.minor / devices,
        majorMs: gc.major / devices,
      }),
    );
  }
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  } as never);
  await updateAll();
  const { profile } = await session.post('HeapProfiler.stopSampling');
  let bytes = 0;
  const walk = (n: { selfSize: number; children: { selfSize: number; children: never[] }[] }): void => {
    bytes += n.selfSize;
    n.children.forEach(walk);
  };
  walk(profile.head as never);
  log(`allocated ${(bytes / devices / 1024).toFixed(1)} KiB per update (sampled)`);
  console.log(JSON.stringify({ allocatedKiB: bytes / devices / 1024 }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
