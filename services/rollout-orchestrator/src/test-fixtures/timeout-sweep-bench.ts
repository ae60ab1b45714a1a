import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, eventStreams, EventStore, ProjectionRunner } from '@keelson/event-store';
import { parseDeviceEvent, parseRolloutEvent, type DeviceEvent, type RolloutEvent } from '@keelson/events';
import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, eventually, testNamespace, type TestDatabase } from '@keelson/testing';
import { assignedDevices } from '../rollouts/domain/rollout.decider.js';
import { deviceProgressProjection } from '../rollouts/read-models/device-progress.projection.js';
import { deviceReachabilityMigrations, deviceReachabilityProjection } from '../rollouts/read-models/device-reachability.projection.js';
import { rolloutsMigrations } from '../rollouts/read-models/rollouts.migrations.js';
import { rolloutViewsProjection } from '../rollouts/read-models/rollout-views.projection.js';
import { TimeoutSweep } from '../rollouts/reactors/timeout-sweep.js';
import { Rollouts } from '../rollouts/rollouts.js';
import { at, createCommand, fleet, strategy } from './rollout-history.js';

/** The read models a timeout sweep reads, projected from real streams, and sweeps over them at chosen instants. */
export class SweepBench {
  private readonly naming = testNamespace();
  private nc?: NatsConnection;
  private tdb?: TestDatabase;
  private db?: Database;
  private store?: EventStore<RolloutEvent>;
  private readonly runners: ProjectionRunner<never>[] = [];
  private n = 0;
  /** What the sweeps reported through `onError`. */
  readonly errors: unknown[] = [];

  async start(): Promise<{ db: Database; store: EventStore<RolloutEvent>; deviceStore: EventStore<DeviceEvent> }> {
    const nc = (this.nc = await connectTestNats());
    const naming = this.naming;
    await applyStreams(await jetstreamManager(nc), naming, [eventStreams.orchestrator, eventStreams.gateway]);
    this.tdb = await createTestDatabase();
    const db = (this.db = await openDatabase({ url: this.tdb.url }));
    await migrate(db, [...rolloutsMigrations, ...deviceReachabilityMigrations]);
    const store = (this.store = new EventStore({ nc, naming, stream: eventStreams.orchestrator, parse: parseRolloutEvent }));
    const deviceStore = new EventStore({ nc, naming, stream: eventStreams.gateway, parse: parseDeviceEvent });
    for (const projection of [rolloutViewsProjection, deviceReachabilityProjection, deviceProgressProjection]) {
      this.runners.push(new ProjectionRunner({ nc, naming, db, projection: projection as never, retryDelayMs: 50 }));
    }
    for (const r of this.runners) await r.start();
    return { db, store, deviceStore };
  }

  async stop(): Promise<void> {
    for (const r of this.runners) await r.stop();
    await this.db?.close();
    await this.nc?.close();
    await this.tdb?.drop();
  }

  readonly meta = () => ({ actor: { kind: 'service' as const, id: 'spec' }, correlationId: 'c', commandId: `sweep-spec-${++this.n}` });

  /** A sweep as a (new) replica runs it, with its own cache and a clock `seconds` after the fixtures' time. */
  readonly sweepAt = (seconds: number) =>
    new TimeoutSweep({
      rollouts: new Rollouts(this.store!),
      db: this.db!,
      clock: { now: () => new Date(Date.parse(at) + seconds * 1000) },
      everyMs: 60_000,
      onError: (e) => this.errors.push(e),
    });

  readonly history = async (rolloutId: string) =>
    (await this.store!.load(this.store!.subject('rollout', fleet, rolloutId))).events.map((r) => r.event);

  // Each rollout gets devices of its own: a device one test left silent or decommissioned in the
  // shared read model must not be noted by the next test's sweep (it made the last test flaky).
  readonly createListed = async (
    rolloutId: string,
    s = {
      ...strategy(
        [
          [10, 'auto'],
          [100, 'auto'],
        ],
        5,
      ),
      deviceTimeoutSeconds: 600,
    },
  ) => {
    const devices = Array.from({ length: 10 }, (_, i) => `${rolloutId}-d${i}`);
    const { state } = await new Rollouts(this.store!).execute({ ...createCommand(s, devices), rolloutId }, this.meta());
    await eventually(async () => (await this.db!.query('SELECT 1 FROM rollout_views WHERE rollout_id = $1', [rolloutId])).length === 1);
    return assignedDevices(state.facts)[0]!;
  };
}
