import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FleetConnections } from './fleet-connections.js';
import type { FleetSlice, FromFleet, ToFleet } from './fleet-protocol.js';
import type { ReportLog } from './report-log.js';

/** The devices of a fleet and how the bench stops it and counts its connections, in-process or in child processes. */
export interface FleetHandle {
  devices: { name: string; deviceId: string }[];
  /** The child processes holding the devices (empty: the devices run in the bench process). */
  processes: { name: string; pid: number }[];
  stop(): Promise<void>;
  /** Counts the fleet's HTTPS requests, connections and handshakes from now until `stop()`. */
  countConnections(): { stop(): Promise<FleetConnections> };
}

export const sumConnections = (all: FleetConnections[]): FleetConnections => ({
  httpRequests: all.reduce((n, c) => n + c.httpRequests, 0),
  tcpConnections: all.reduce((n, c) => n + c.tcpConnections, 0),
  tlsFullHandshakes: all.reduce((n, c) => n + c.tlsFullHandshakes, 0),
  tlsResumedHandshakes: all.reduce((n, c) => n + c.tlsResumedHandshakes, 0),
});

/** The next message of `type` from a fleet process; rejects when it fails or exits first. */
function next<T extends FromFleet['type']>(child: ChildProcess, type: T): Promise<Extract<FromFleet, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromFleet) => {
      if (m.type === 'failed') done(new Error(`fleet process ${child.pid} failed: ${m.error}`));
      else if (m.type === type) done(undefined, m as Extract<FromFleet, { type: T }>);
    };
    const onExit = (code: number | null, signal: string | null) =>
      done(new Error(`fleet process ${child.pid} exited (${signal ?? code}) before '${type}'`));
    const done = (err?: Error, m?: Extract<FromFleet, { type: T }>) => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m!);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Stops a fleet process: its devices disconnect, then it exits (killed if it has not after 15 s). */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) {
    const stopped = next(child, 'stopped').catch(() => undefined);
    child.send({ type: 'stop' } satisfies ToFleet);
    await Promise.race([stopped, new Promise((r) => setTimeout(r, 60_000))]);
  }
  const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(kill);
}

/**
 * The fleet split over `procs` child processes (`fleet-process.js`), each with its slice of devices
 * (`sim-p<k>-<n>`, the real agent code) and its own file descriptors. Reports arrive over IPC and go
 * into `reports` in this process's time. `childEnv(k)` adds to a child's environment (a profiler).
 */
export async function startProcessFleet(
  input: Omit<FleetSlice, 'namePrefix' | 'dataDir'> & {
    home: string;
    procs: number;
    childExecArgv?: string[];
    childEnv?: (name: string) => NodeJS.ProcessEnv;
  },
  reports: ReportLog,
): Promise<FleetHandle> {
  const sizes = Array.from(
    { length: input.procs },
    (_, k) => Math.floor(input.count / input.procs) + (k < input.count % input.procs ? 1 : 0),
  );
  const entry = fileURLToPath(new URL('./fleet-process.js', import.meta.url));
  const children = sizes.map((count, k) => {
    const name = `fleet-${k + 1}`;
    const child = fork(entry, [], {
      env: { ...process.env, ...input.childEnv?.(name) },
      execArgv: input.childExecArgv ?? [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const slice: FleetSlice = {
      apiUrl: input.apiUrl,
      adminToken: input.adminToken,
      count,
      namePrefix: `sim-p${k + 1}-`,
      dataDir: join(input.home, 'sim'),
      concurrency: Math.max(1, Math.ceil(input.concurrency / input.procs)),
    };
    child.send({ type: 'start', slice } satisfies ToFleet);
    child.on('message', (m: FromFleet) => {
      if (m.type === 'report') reports.record(m.rolloutId, m.deviceId, m.state, m.at - performance.timeOrigin);
    });
    return { name, child };
  });
  const stop = async () => void (await Promise.all(children.map((c) => stopChild(c.child))));
  let ready: Extract<FromFleet, { type: 'ready' }>[];
  try {
    ready = await Promise.all(children.map((c) => next(c.child, 'ready')));
  } catch (err) {
    await stop();
    throw err;
  }
  const tell = (m: ToFleet) => children.forEach((c) => c.child.send(m));
  return {
    devices: ready.flatMap((r) => r.devices),
    processes: children.map((c) => ({ name: c.name, pid: c.child.pid! })),
    stop,
    countConnections() {
      tell({ type: 'count-start' });
      return {
        async stop() {
          const counts = children.map((c) => next(c.child, 'counts'));
          tell({ type: 'count-stop' });
          return sumConnections((await Promise.all(counts)).map((c) => c.counts));
        },
      };
    },
  };
}
