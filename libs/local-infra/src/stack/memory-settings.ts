/**
 * Memory settings of the processes the local stack starts, measured with bench/rollout-fanout
 * (bench/README.md, "Memory at 10,000 devices"); deploy/memory.md gives the same settings for a
 * production installation and why.
 */

/**
 * V8's young generation: each of its two semi-spaces may grow to this many MiB. Left to itself,
 * Node 24 on the 24 GiB bench machine lets the young generation grow to 128 MiB, and the pages it
 * grew to stay resident: every service sat at 250-430 MiB in a rollout with 50-200 MiB of heap
 * used (a gateway heap snapshot with 2,000 devices connected: 58 MiB live). On a quiet machine,
 * 1,000 devices (bench/README.md, "Memory at 10,000 devices"): 32 MiB took the gateway from 344 to
 * 255 MiB and the orchestrator and audit from 264 to ~220 MiB for 0.3 more platform CPU-ms per
 * update (11.0 -> 11.3); 16 MiB saved ~40 MiB more each but cost 2.3 CPU-ms per update (13.3):
 * scavenges that often are dearer than the memory.
 */
export const serviceSemiSpaceMiB = 32;

/**
 * Services whose semi-spaces are capped lower than `serviceSemiSpaceMiB`. The registry facade: its
 * young generation grows from 2-4 MiB to 64 the moment it serves a wave, the largest single item of
 * its peak at 10,000 devices (bench/README.md, "What holds the memory at the peak"); 16 MiB caps it
 * at 32. Its CPU did not move at 1,000 devices (before-after-after-before, loaded machine: 4.33 / 3.89
 * CPU-ms per update at 32 MiB, 4.17 / 3.93 at 16; bench/README.md, "Read chunks copied, the facade's
 * young generation"). The other services stay at 32: 16 cost the gateway and the orchestrator
 * 27-44 % more CPU ("Memory at 10,000 devices").
 */
export const semiSpaceMiBByService: Readonly<Record<string, number>> = { 'registry-facade': 16 };

/** The semi-space size of `service`: its own from `semiSpaceMiBByService`, else `serviceSemiSpaceMiB`. */
export function semiSpaceMiBOf(service: string): number {
  return semiSpaceMiBByService[service] ?? serviceSemiSpaceMiB;
}

/**
 * How far V8 lets a service's old generation grow past what the last full collection left, in
 * percent, before the next one (V8's `--heap-growing-percent`, used in place of the factor its heap
 * controller computes). What fills the old generations at 10,000 devices is garbage, not data: each
 * service's live set stays ~40-60 MiB, and V8 let promoted garbage reach 2.2-2.6 times it (the
 * orchestrator 41 -> 137 MiB, the audit 40 -> 128) before collecting. 50 % collects at ~1.5 times.
 * Unlike `--max-old-space-size` (reverted: +30 % CPU) it sets no limit and changes no other sizing.
 * One loaded 2,000-device pair (bench/README.md, "What fills the old generations"): peaks orchestrator
 * 238 -> 208, audit 217 -> 212, gateway 260 -> 242 MiB, with fewer mark-compacts, not more (13-17 -> 9-14);
 * the quiet 10,000-device pair is owed. Node refuses it in NODE_OPTIONS: it goes on the command line.
 */
export const serviceHeapGrowingPercent = 50;

/**
 * The arguments of `node` for a service, before its entry point. 0 MiB for the semi-spaces or 0 %
 * for the old generation's growth leaves that to V8 (to measure against). No old-generation limit: one
 * that a live set outgrows kills the process.
 */
export function serviceNodeArgs(semiSpaceMiB = serviceSemiSpaceMiB, heapGrowingPercent = serviceHeapGrowingPercent): string[] {
  if (!Number.isInteger(semiSpaceMiB) || semiSpaceMiB < 0 || semiSpaceMiB > 1024)
    throw new Error(`semiSpaceMiB must be an integer 0-1024, got ${semiSpaceMiB}`);
  if (!Number.isInteger(heapGrowingPercent) || heapGrowingPercent < 0 || heapGrowingPercent > 1000) {
    throw new Error(`heapGrowingPercent must be an integer 0-1000, got ${heapGrowingPercent}`);
  }
  return [
    '--enable-source-maps',
    ...(semiSpaceMiB === 0 ? [] : [`--max-semi-space-size=${semiSpaceMiB}`]),
    ...(heapGrowingPercent === 0 ? [] : [`--heap-growing-percent=${heapGrowingPercent}`]),
  ];
}

/**
 * nats-server's soft memory limit (Go's `GOMEMLIMIT`). Go collects when the heap has doubled since
 * the last collection (GOGC=100), so a server whose live memory is ~650 MiB (10,000 MQTT sessions:
 * 36 KiB of heap and 26 KiB of goroutine stacks each) may hold 1.2 GiB and more. Under this limit
 * it collects sooner as it nears the limit instead; past it (a live set larger than the limit), Go
 * caps the collector at half the CPU and lets memory grow, so the limit never stops the server.
 */
export const natsMemoryLimit = '900MiB';

/** The environment of nats-server: `GOMEMLIMIT` as the operator set it, else the stack's own. */
export function natsEnvironment(env: NodeJS.ProcessEnv = process.env, limit = natsMemoryLimit): NodeJS.ProcessEnv {
  const chosen = env.GOMEMLIMIT ?? limit;
  if (!/^(off|\d+(B|KiB|MiB|GiB|TiB)?)$/.test(chosen))
    throw new Error(`GOMEMLIMIT must be a number of bytes with an optional unit (B, KiB, MiB, GiB, TiB) or 'off', got '${chosen}'`);
  return { GOMEMLIMIT: chosen };
}
