import type { FleetConnections } from './fleet-connections.js';

/** What a fleet process runs: `count` devices named `<namePrefix>1…`, under `dataDir`. */
export interface FleetSlice {
  dataDir: string;
  namePrefix: string;
  count: number;
  concurrency: number;
  apiUrl: string;
  adminToken: string;
}

/** The bench to a fleet process (over the IPC channel of `child_process.fork`); `start` comes first. */
export type ToFleet = { type: 'start'; slice: FleetSlice } | { type: 'count-start' } | { type: 'count-stop' } | { type: 'stop' };

/** A fleet process to the bench; `at` is `performance.timeOrigin + performance.now()` in the child (wall-clock ms). */
export type FromFleet =
  | { type: 'ready'; devices: { name: string; deviceId: string }[] }
  | { type: 'report'; rolloutId: string; deviceId: string; state: string; at: number }
  | { type: 'counts'; counts: FleetConnections }
  | { type: 'stopped' }
  | { type: 'failed'; error: string };
