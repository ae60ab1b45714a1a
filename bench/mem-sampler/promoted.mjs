// What a service's old generation fills with: V8's sampling heap profiler, keeping the objects that
// a full mark-compact collected (they outlived two scavenges, were promoted and died there) and
// dropping those that died young. A preload for bench/rollout-fanout, beside or instead of sampler.mjs:
//   --service-env "NODE_OPTIONS=--import $PWD/bench/mem-sampler/promoted.mjs"
// Every 15 s it rewrites KEELSON_PROMOTED_DIR (default /tmp/keelson-promoted)/<service>-<pid>.heapprofile
// (cumulative since start: live objects plus promoted garbage, by allocation stack; Chrome DevTools
// opens it). bench/mem-sampler/promoted-summary.mjs <file> prints the top allocation sites.
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';

const dir = process.env.KEELSON_PROMOTED_DIR ?? '/tmp/keelson-promoted';
const service = /services\/([^/]+)\//.exec(process.argv[1] ?? '')?.[1] ?? 'node';
mkdirSync(dir, { recursive: true });
const session = new Session();
session.connect();
session.post('HeapProfiler.enable');
// One sample per 32 KiB allocated on average: cheap enough for a bench, fine enough for MiB-sized totals.
session.post('HeapProfiler.startSampling', {
  samplingInterval: 32768,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: false,
});
setInterval(() => {
  session.post('HeapProfiler.getSamplingProfile', (err, result) => {
    if (!err) writeFileSync(`${dir}/${service}-${process.pid}.heapprofile`, JSON.stringify(result.profile));
  });
}, 15_000).unref();
