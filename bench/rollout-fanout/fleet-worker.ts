// One slice of the simulated fleet in a worker thread (`--fleet-workers`): the real agent code, its
// reports and connection counts posted to the bench's main thread (`worker-fleet.ts`).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { repoRoot } from './bench-platform.js';
import { countFleetConnections } from './fleet-connections.js';
import type { FromWorker, ToWorker, WorkerSlice } from './worker-protocol.js';

const agent = (await import(pathToFileURL(join(repoRoot, 'services', 'agent', 'dist', 'index.js')).href)) as typeof import('../../services/agent/dist/index.js');
const slice = workerData as WorkerSlice;
const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);

try {
  const fleet = await agent.startSimulatedFleet({
    count: slice.count,
    namePrefix: slice.namePrefix,
    dataDir: slice.dataDir,
    mintToken: agent.operatorTokenMinter(slice.apiUrl, slice.adminToken, 'default'),
    concurrency: slice.concurrency,
    // A time both threads read the same way: performance.now() counts from each thread's own origin.
    onReport: (device, assignment, state) =>
      post({ type: 'report', rolloutId: assignment.rolloutId, deviceId: device.deviceId, state, at: performance.timeOrigin + performance.now() }),
  });
  let counting: ReturnType<typeof countFleetConnections> | undefined;
  port.on('message', (message: ToWorker) => {
    if (message.type === 'count-start') counting = countFleetConnections();
    if (message.type === 'count-stop') post({ type: 'counts', counts: counting!.stop() });
    if (message.type === 'stop') void fleet.stop().then(() => post({ type: 'stopped' }));
  });
  post({ type: 'ready', devices: fleet.devices.map((d) => ({ name: d.name, deviceId: d.deviceId })) });
} catch (err) {
  post({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}
