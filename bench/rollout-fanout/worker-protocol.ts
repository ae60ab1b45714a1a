import type { FleetConnections } from './fleet-connections.js';

/** What a fleet worker runs: `count` devices named `<namePrefix>1…`, under `dataDir`. */
export interface WorkerSlice {
  dataDir: string;
  namePrefix: string;
  count: number;
  concurrency: number;
  apiUrl: string;
  adminToken: string;
}

/** The bench's main thread to a fleet worker. */
export type ToWorker = { type: 'count-start' } | { type: 'count-stop' } | { type: 'stop' };

/** A fleet worker to the main thread; `at` is `performance.timeOrigin + performance.now()` in the worker. */
export type FromWorker =
  | { type: 'ready'; devices: { name: string; deviceId: string }[] }
  | { type: 'report'; rolloutId: string; deviceId: string; state: string; at: number }
  | { type: 'counts'; counts: FleetConnections }
  | { type: 'stopped' }
  | { type: 'failed'; error: string };
