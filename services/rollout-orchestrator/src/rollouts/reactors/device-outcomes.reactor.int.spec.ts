import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, eventStreams, EventStore } from '@keelson/event-store';
import { parseChannelEvent, parseRolloutEvent, type ChannelEvent, type DeviceEvent, type RolloutEvent } from '@keelson/events';
import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, testNamespace, type TestDatabase } from '@keelson/testing';
import { Channels } from '../../channels/channels.js';
import { artifact, at, fleet, probe, strategy } from '../../test-fixtures/rollout-history.js';
import { createBound } from '../commands/create-rollout.js';
import { deviceOutcomesReactor } from './device-outcomes.reactor.js';
import { RolloutClaims } from '../commands/rollout-claims.js';
import { rolloutClaimsMigrations } from '../read-models/rollout-claims.migrations.js';
import { rolloutsMigrations } from '../read-models/rollouts.migrations.js';
import { RolloutViews } from '../read-models/rollout-views.js';
import { Rollouts } from '../rollouts.js';

// No projection runs here: the rollouts read model never learns of the rollout, as when it lags
// a rollout created a moment before the device event arrives.
describe('the device-outcomes reactor on a rollout just created, against real NATS and PostgreSQL', () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let tdb: TestDatabase;
  let db: Database;
  let store: EventStore<RolloutEvent>;
  let rollouts: Rollouts;
  let claims: RolloutClaims;
  const clock = { now: () => new Date(at) };
  const ctx = (id: string) => ({ actor: { kind: 'operator' as const, id: 'ada' }, correlationId: 'c', commandId: id });

  beforeAll(async () => {
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [eventStreams.orchestrator]);
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
    await migrate(db, [...rolloutsMigrations, ...rolloutClaimsMigrations]);
    store = new EventStore({ nc, naming, stream: eventStreams.orchestrator, parse: parseRolloutEvent });
    rollouts = new Rollouts(store);
    claims = new RolloutClaims(db);
  });
  afterAll(async () => {
    await db?.close();
    await nc?.close();
    await tdb?.drop();
  });

  const create = (rolloutId: string, deviceIds: string[]) =>
    createBound(
      {
        nc,
        naming,
        rollouts,
        views: new RolloutViews(rollouts, db),
        clock,
        claims,
        channels: new Channels(new EventStore<ChannelEvent>({ nc, naming, stream: eventStreams.orchestrator, parse: parseChannelEvent })),
      },
      {
        fleet,
        rolloutId,
        bound: { artifact, needs: {} },
        devices: { deviceIds, inactive: [], hardware: {} },
        probe,
        strategy: strategy([
          [25, 'auto'],
          [100, 'auto'],
        ]),
        onMisfit: 'reject',
      },
      ctx(`create-${rolloutId}`),
    );
  const deviceEvent = (seq: number, event: DeviceEvent) => ({
    event,
    seq,
    subject: `ev.device.${fleet}.${event.data.deviceId}`,
    time: new Date(at),
    meta: { actor: { kind: 'service' as const, id: 'device-gateway' }, correlationId: 'c', commandId: `dev-${seq}` },
  });

  it('excludes a device decommissioned right after the creation from the rollout, though the read model does not list it yet', async () => {
    const rolloutId = 'r-0000000000d1';
    await create(rolloutId, ['d-1', 'd-2', 'd-3', 'd-4']);
    expect(await new RolloutViews(rollouts, db).activeRolloutsOf(fleet, 'd-4')).toEqual([]); // the read model lags
    const reactor = deviceOutcomesReactor({ rollouts, claims, clock });
    await reactor.handle(
      deviceEvent(101, { type: 'DeviceDecommissioned', schemaVersion: 1, data: { fleet, deviceId: 'd-4', reason: 'stolen' } }),
    );
    const history = (await store.load(store.subject('rollout', fleet, rolloutId))).events.map((r) => r.event);
    expect(history.filter((e) => e.type === 'DeviceExcluded').map((e) => e.data)).toEqual([
      expect.objectContaining({ rolloutId, deviceId: 'd-4', reason: 'device decommissioned: stolen' }),
    ]);
  });
});
