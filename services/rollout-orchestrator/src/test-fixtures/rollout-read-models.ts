import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, eventStreams, EventStore, ProjectionRunner, type EventMetadata } from '@keelson/event-store';
import { parseDeviceEvent, parseRolloutEvent, type DeviceEvent, type DeviceState, type RolloutEvent } from '@keelson/events';
import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, testNamespace, type TestDatabase } from '@keelson/testing';
import { orderDevices } from '../rollouts/domain/wave-plan.js';
import { deviceProgressProjection } from '../rollouts/read-models/device-progress.projection.js';
import { RolloutViews } from '../rollouts/read-models/rollout-views.js';
import { rolloutsMigrations } from '../rollouts/read-models/rollouts.migrations.js';
import { rolloutViewsProjection } from '../rollouts/read-models/rollout-views.projection.js';
import { Rollouts } from '../rollouts/rollouts.js';
import { fleet, rolloutId, strategy } from './rollout-history.js';

export const two = ['d-00', 'd-01'];
export const [first, second] = orderDevices(rolloutId, two) as [string, string];
export const s = strategy([
  [50, 'auto'],
  [100, 'auto'],
]);
const withId = <E extends { data: { rolloutId: string } }>(e: E, id: string): E => ({ ...e, data: { ...e.data, rolloutId: id } });

export const progress = (deviceId: string, id: string, state: DeviceState, assignmentId = `${id}-${deviceId}`): DeviceEvent => ({
  type: 'DeviceReportedProgress',
  schemaVersion: 2,
  data: { fleet, deviceId, assignmentId, rolloutId: id, state, reportedAt: new Date().toISOString() },
});

/** The rollouts and device-progress projections running on real NATS and PostgreSQL, the views over them, and a way to append. */
export interface RolloutReadModels {
  db: Database;
  views: RolloutViews;
  /** Fresh metadata per call: each append is its own command. */
  meta(): EventMetadata;
  appendRollout(id: string, ...events: RolloutEvent[]): Promise<void>;
  appendDevice(deviceId: string, ...events: DeviceEvent[]): Promise<void>;
  stop(): Promise<void>;
}

/** Streams and a database of the spec file's own; the projections run until `stop`. */
export async function startRolloutReadModels(): Promise<RolloutReadModels> {
  const naming = testNamespace();
  let nc: NatsConnection | undefined;
  let tdb: TestDatabase | undefined;
  let db: Database | undefined;
  const runners: ProjectionRunner<never>[] = [];
  const stop = async () => {
    for (const r of runners) await r.stop();
    await db?.close();
    await nc?.close();
    await tdb?.drop();
  };
  try {
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [eventStreams.orchestrator, eventStreams.gateway]);
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
    await migrate(db, rolloutsMigrations);
    const rolloutStore = new EventStore({ nc, naming, stream: eventStreams.orchestrator, parse: parseRolloutEvent });
    const deviceStore = new EventStore({ nc, naming, stream: eventStreams.gateway, parse: parseDeviceEvent });
    for (const projection of [rolloutViewsProjection, deviceProgressProjection]) {
      runners.push(new ProjectionRunner({ nc, naming, db, projection: projection as never, retryDelayMs: 50 }));
    }
    for (const r of runners) await r.start();
    let n = 0;
    const meta = () => ({ actor: { kind: 'service' as const, id: 'spec' }, correlationId: 'c', commandId: `cmd-${++n}` });
    return {
      db,
      views: new RolloutViews(new Rollouts(rolloutStore), db),
      meta,
      appendRollout: async (id, ...events) => {
        const subject = rolloutStore.subject('rollout', fleet, id);
        await rolloutStore.append(
          subject,
          (await rolloutStore.load(subject)).lastSeq,
          events.map((e) => withId(e, id)),
          meta(),
        );
      },
      appendDevice: async (deviceId, ...events) => {
        const subject = deviceStore.subject('device', fleet, deviceId);
        await deviceStore.append(subject, (await deviceStore.load(subject)).lastSeq, events, meta());
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
