import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, eventStreams, EventStore } from '@keelson/event-store';
import { parseChannelEvent, parseRolloutEvent, type ChannelEvent, type RolloutEvent } from '@keelson/events';
import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, testNamespace, type TestDatabase } from '@keelson/testing';
import { Channels } from '../../channels/channels.js';
import { artifact, at, fleet, probe, strategy } from '../../test-fixtures/rollout-history.js';
import { createBound } from '../commands/create-rollout.js';
import { RolloutClaims } from '../commands/rollout-claims.js';
import { rolloutClaimsMigrations } from './rollout-claims.migrations.js';
import { rolloutClaimsProjection } from './rollout-claims.projection.js';
import { rolloutsMigrations } from './rollouts.migrations.js';
import { Rollouts } from '../rollouts.js';
import { RolloutViews } from './rollout-views.js';

// uuid-sized ids: 3,000 devices make two `RolloutTargetsAdded` chunks
const devices = (prefix: string) => Array.from({ length: 3000 }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}-${'x'.repeat(24)}`);

describe('the rollout claims projection after a creation, against real NATS and PostgreSQL', () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let tdb: TestDatabase;
  let db: Database;
  let store: EventStore<RolloutEvent>;
  let rollouts: Rollouts;
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
  });
  afterAll(async () => {
    await db?.close();
    await nc?.close();
    await tdb?.drop();
  });

  const bound = (rolloutId: string, deviceIds: string[]) => ({
    fleet,
    rolloutId,
    bound: { artifact, needs: {} },
    devices: { deviceIds, inactive: [], hardware: {} },
    probe,
    strategy: strategy([[100, 'auto']]),
    onMisfit: 'reject' as const,
  });
  /** Runs the projection over the rollout's stored events, one transaction each, as its runner would. */
  const project = async (rolloutId: string) => {
    for (const recorded of (await store.load(store.subject('rollout', fleet, rolloutId))).events) {
      await db.transaction((sql) => rolloutClaimsProjection.apply(sql, recorded));
    }
  };
  const claimsOf = (rolloutId: string) =>
    db.query<{ device_id: string; seq: string }>(
      'SELECT device_id, seq::text FROM rollout_claims WHERE fleet = $1 AND rollout_id = $2 ORDER BY device_id',
      [fleet, rolloutId],
    );

  it("leaves the claims a creation wrote alone: every device claimed once, at the creation's sequence", async () => {
    const rolloutId = 'r-0000000000c1';
    const ids = devices('made');
    const channels = new Channels(
      new EventStore<ChannelEvent>({ nc, naming, stream: eventStreams.orchestrator, parse: parseChannelEvent }),
    );
    await createBound(
      { nc, naming, rollouts, views: new RolloutViews(rollouts, db), clock, claims: new RolloutClaims(db), channels },
      bound(rolloutId, ids),
      ctx(`create-${rolloutId}`),
    );
    const types = (await store.load(store.subject('rollout', fleet, rolloutId))).events.map((e) => e.event.type);
    expect(types.filter((t) => t === 'RolloutTargetsAdded').length).toBeGreaterThanOrEqual(2);
    const written = await claimsOf(rolloutId);
    await project(rolloutId);
    const after = await claimsOf(rolloutId);
    expect(after.map((r) => r.device_id)).toEqual([...ids].sort());
    expect(after).toEqual(written); // not rewritten with the chunks' sequences
  });

  it('writes the claims from the chunks when the creation did not commit them (its process died after the append)', async () => {
    const rolloutId = 'r-0000000000c2';
    const ids = devices('lost');
    // the events as the creation appends them, without the creation's claims transaction
    await rollouts.execute(
      { type: 'CreateRollout', fleet, rolloutId, at, artifact, deviceIds: ids, probe, strategy: strategy([[100, 'auto']]) },
      ctx(`create-${rolloutId}`),
    );
    expect(await claimsOf(rolloutId)).toEqual([]);
    await project(rolloutId);
    expect((await claimsOf(rolloutId)).map((r) => r.device_id)).toEqual([...ids].sort());
  });

  it('keeps the devices with a creation that came after one whose process died after its append', async () => {
    const [died, later] = ['r-0000000000c3', 'r-0000000000c4'];
    const ids = devices('taken');
    // the first creation's events are stored, its claims never committed: the second sees no conflict
    await rollouts.execute(
      { type: 'CreateRollout', fleet, rolloutId: died, at, artifact, deviceIds: ids, probe, strategy: strategy([[100, 'auto']]) },
      ctx(`create-${died}`),
    );
    const channels = new Channels(
      new EventStore<ChannelEvent>({ nc, naming, stream: eventStreams.orchestrator, parse: parseChannelEvent }),
    );
    await createBound(
      { nc, naming, rollouts, views: new RolloutViews(rollouts, db), clock, claims: new RolloutClaims(db), channels },
      bound(later, ids),
      ctx(`create-${later}`),
    );
    await project(died); // the projection reaches the first creation's events after the second committed
    expect(await claimsOf(died)).toEqual([]);
    expect((await claimsOf(later)).map((r) => r.device_id)).toEqual([...ids].sort());
  });

  it('claims the devices the projection claimed after the creation looked: the plain insert gives way to the upsert, by sequence', async () => {
    const [died, later] = ['r-0000000000c5', 'r-0000000000c6'];
    const ids = devices('raced');
    await rollouts.execute(
      { type: 'CreateRollout', fleet, rolloutId: died, at, artifact, deviceIds: ids, probe, strategy: strategy([[100, 'auto']]) },
      ctx(`create-${died}`),
    );
    await new RolloutClaims(db).serialised(fleet, artifact.name, async (tx) => {
      expect(await tx.holding(ids)).toEqual([]); // nothing claimed when the creation looks
      await project(died); // the dead creation's claims, committed outside the lock
      await tx.claim(later, ids, Number.MAX_SAFE_INTEGER); // a plain INSERT would fail on every device
    });
    expect(await claimsOf(died)).toEqual([]);
    expect((await claimsOf(later)).map((r) => r.device_id)).toEqual([...ids].sort());
  });
});
