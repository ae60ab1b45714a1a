// One slice of the simulated fleet in a child process of the bench (`--fleet-procs`): the real agent
// code, its reports and connection counts sent to the bench over the IPC channel (`process-fleet.ts`).
// A process of its own, not a worker thread: each slice then has its own file-descriptor limit (a
// device holds an MQTT connection and up to two HTTPS connections; 10,000 devices in one process
// passed the limit of 20,000).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './bench-platform.js';
import { countFleetConnections } from './fleet-connections.js';
import type { FleetSlice, FromFleet, ToFleet } from './fleet-protocol.js';

const agent = (await import(
  pathToFileURL(join(repoRoot, 'services', 'agent', 'dist', 'index.js')).href
)) as typeof import('../../services/agent/dist/index.js');
const post = (message: FromFleet) => process.send!(message);
// The bench went away (killed, crashed): its devices go with it.
process.on('disconnect', () => process.exit(1));

let fleet: Awaited<ReturnType<typeof agent.startSimulatedFleet>> | undefined;
let counting: ReturnType<typeof countFleetConnections> | undefined;

async function start(slice: FleetSlice): Promise<void> {
  try {
    fleet = await agent.startSimulatedFleet({
      count: slice.count,
      namePrefix: slice.namePrefix,
      dataDir: slice.dataDir,
      mintToken: agent.operatorTokenMinter(slice.apiUrl, slice.adminToken, 'default'),
      concurrency: slice.concurrency,
      // Wall-clock ms, read the same way in every process (performance.now() counts from each one's own origin).
      onReport: (device, assignment, state) =>
        post({
          type: 'report',
          rolloutId: assignment.rolloutId,
          deviceId: device.deviceId,
          state,
          at: performance.timeOrigin + performance.now(),
        }),
    });
    post({ type: 'ready', devices: fleet.devices.map((d) => ({ name: d.name, deviceId: d.deviceId })) });
  } catch (err) {
    post({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
}

process.on('message', (message: ToFleet) => {
  if (message.type === 'start') void start(message.slice);
  if (message.type === 'count-start') counting = countFleetConnections();
  if (message.type === 'count-stop') post({ type: 'counts', counts: counting!.stop() });
  if (message.type === 'stop') {
    void (fleet?.stop() ?? Promise.resolve()).then(() => {
      post({ type: 'stopped' });
      process.disconnect();
    });
  }
});
