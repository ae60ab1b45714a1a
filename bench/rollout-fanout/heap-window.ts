// A V8 sampling heap profile of the bench process (and the simulated fleet in it) over the rollout
// window, for `--heap-prof DIR`: what the fleet allocates per device update, by the stack that
// allocated it. V8's sampler takes one allocation every `samplingIntervalBytes` on average and
// scales it to the bytes it stands for. By default a sample whose object a scavenge or a full
// collection freed is dropped, so a profile shows only what is still alive when it stops; here both
// `includeObjectsCollectedBy…` flags decide what it counts:
//
// - `all` (default): every sampled allocation, freed or not: the bytes each stack allocated.
// - `survivors`: allocations a scavenge freed are dropped, those a full collection freed are kept:
//   what lived through a scavenge (copied within the young generation, then promoted to the old
//   one) or was still young at the end (at most a semi-space: noise over a rollout). These are the
//   objects that make scavenges expensive and fill the old generation.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

export type HeapProfileKind = 'all' | 'survivors';

/** Mean bytes between two samples: V8's default is 512 KiB; smaller counts a short window's stacks better. */
const samplingIntervalBytes = 32 * 1024;

export interface HeapWindow {
  start(): Promise<void>;
  /** Stops sampling and writes `DIR/<pid>.<kind>.heapprofile`; resolves to its path. */
  stop(): Promise<string>;
}

export function heapWindow(dir: string, kind: HeapProfileKind): HeapWindow {
  const session = new Session();
  session.connect();
  return {
    async start() {
      await session.post('HeapProfiler.enable');
      // The two flags are in V8's protocol (HeapProfiler.startSampling) but not yet in Node's typings.
      const params = {
        samplingInterval: samplingIntervalBytes,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: kind === 'all',
      };
      await session.post('HeapProfiler.startSampling', params);
    },
    async stop() {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      await session.post('HeapProfiler.disable');
      session.disconnect();
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${process.pid}.${kind}.heapprofile`);
      writeFileSync(`${file}.tmp`, JSON.stringify(profile));
      renameSync(`${file}.tmp`, file);
      return file;
    },
  };
}
