import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FleetConnections } from './fleet-connections.js';
import type { ReportLog } from './report-log.js';
import type { FromWorker, ToWorker, WorkerSlice } from './worker-protocol.js';

/** The devices of a fleet and how the bench stops it and counts its connections, in-process or in workers. */
export interface FleetHandle {
  devices: { name: string; deviceId: string }[];
  stop(): Promise<void>;
  /** Counts the fleet's HTTPS requests, connections and handshakes from now until `stop()`. */
  countConnections(): { stop(): Promise<FleetConnections> };
}

const sum = (all: FleetConnections[]): FleetConnections => ({
  httpRequests: all.reduce((n, c) => n + c.httpRequests, 0),
  tcpConnections: all.reduce((n, c) => n + c.tcpConnections, 0),
  tlsFullHandshakes: all.reduce((n, c) => n + c.tlsFullHandshakes, 0),
  tlsResumedHandshakes: all.reduce((n, c) => n + c.tlsResumedHandshakes, 0),
});

/**
 * The fleet split over `workers` worker threads of this process (its CPU and memory stay the bench
 * process's), each running its slice of devices (`sim-w<k>-<n>`) with the real agent code. Reports
 * arrive by message and go into `reports` in the main thread's time.
 */
export async function startWorkerFleet(input: Omit<WorkerSlice, 'namePrefix' | 'dataDir'> & { home: string; workers: number }, reports: ReportLog): Promise<FleetHandle> {
  const slices = Array.from({ length: input.workers }, (_, k) => Math.floor(input.count / input.workers) + (k < input.count % input.workers ? 1 : 0));
  const workers = slices.map((count, k) => {
    const slice: WorkerSlice = { ...input, count, namePrefix: `sim-w${k + 1}-`, dataDir: join(input.home, 'sim'), concurrency: Math.max(1, Math.ceil(input.concurrency / input.workers)) };
    return new Worker(new URL('./fleet-worker.js', import.meta.url), { workerData: slice });
  });
  const next = <T extends FromWorker['type']>(w: Worker, type: T) =>
    new Promise<Extract<FromWorker, { type: T }>>((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.type === 'failed') reject(new Error(`fleet worker failed: ${m.error}`));
        if (m.type !== type) return;
        w.off('message', onMessage);
        resolve(m as Extract<FromWorker, { type: T }>);
      };
      w.on('message', onMessage);
      w.once('error', reject);
    });
  for (const w of workers) {
    w.on('message', (m: FromWorker) => {
      if (m.type === 'report') reports.record(m.rolloutId, m.deviceId, m.state, m.at - performance.timeOrigin);
    });
  }
  const tell = (m: ToWorker) => workers.forEach((w) => w.postMessage(m));
  const stop = async () => {
    const stopped = workers.map((w) => next(w, 'stopped').catch(() => undefined));
    tell({ type: 'stop' });
    await Promise.all(stopped);
    await Promise.all(workers.map((w) => w.terminate()));
  };
  let ready: Extract<FromWorker, { type: 'ready' }>[];
  try {
    ready = await Promise.all(workers.map((w) => next(w, 'ready')));
  } catch (err) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw err;
  }
  return {
    devices: ready.flatMap((r) => r.devices),
    stop,
    countConnections() {
      tell({ type: 'count-start' });
      return {
        async stop() {
          const counts = workers.map((w) => next(w, 'counts'));
          tell({ type: 'count-stop' });
          return sum((await Promise.all(counts)).map((c) => c.counts));
        },
      };
    },
  };
}
