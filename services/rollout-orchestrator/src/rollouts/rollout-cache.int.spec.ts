import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, eventStreams, EventStore } from '@keelson/event-store';
import { parseRolloutEvent, type RolloutEvent } from '@keelson/events';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { inline } from '../test-fixtures/reference-rollout/inline-chunks.js';
import * as reference from '../test-fixtures/reference-rollout/rollout.evolve.js';
import { at, createCommand, fleet, strategy } from '../test-fixtures/rollout-history.js';
import { rolloutDocument } from '../test-fixtures/rollout-document.js';
import { assignedDevices, type LiveRollout, type RolloutCommand } from './domain/rollout.decider.js';
import { Rollouts } from './rollouts.js';

/** The real store, where another replica appends just before this one's next append: that append conflicts. */
class StoreWithARival extends EventStore<RolloutEvent> {
  rival: (() => Promise<unknown>) | undefined;
  appends = 0;

  override async append(...args: Parameters<EventStore<RolloutEvent>['append']>): ReturnType<EventStore<RolloutEvent>['append']> {
    const rival = this.rival;
    this.rival = undefined;
    if (rival) await rival();
    this.appends++;
    return super.append(...args);
  }
}

describe('the cached rollout after an append that lost a race, against real NATS', () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let n = 0;
  const meta = () => ({ actor: { kind: 'service' as const, id: 'rollout-orchestrator' }, correlationId: 'c', commandId: `cache-${++n}` });

  beforeAll(async () => {
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [eventStreams.orchestrator]);
  });
  afterAll(async () => {
    await nc?.close();
  });

  it('retries on the stream as stored: the lost decision leaks into neither the cache nor the state it started from', async () => {
    const rolloutId = 'r-lostappend';
    const options = { nc, naming, stream: eventStreams.orchestrator, parse: parseRolloutEvent };
    const store = new StoreWithARival(options);
    const replica = new Rollouts(store);
    const rival = new Rollouts(new EventStore(options));
    const report = (deviceId: string): RolloutCommand => ({
      type: 'RecordDeviceOutcome',
      fleet,
      rolloutId,
      at,
      deviceId,
      assignmentId: `${rolloutId}-${deviceId}`,
      state: 'healthy',
    });

    await rival.execute(
      {
        ...createCommand(
          strategy([
            [20, 'auto'],
            [100, 'auto'],
          ]),
        ),
        rolloutId,
      },
      meta(),
    );
    const before = (await replica.current(fleet, rolloutId)) as LiveRollout; // cached
    const beforeDocument = structuredClone(rolloutDocument(before));
    const [mine, theirs] = assignedDevices(before.facts);

    // The first try decides on the cached state (only `mine` reported, the wave still waits for
    // `theirs`), evolves it to check what follows, and loses the append to the rival's report.
    store.rival = () => rival.execute(report(theirs!), meta());
    const appendsBefore = store.appends;
    const { events } = await replica.execute(report(mine!), meta());

    expect(store.appends - appendsBefore).toBe(2); // the first append lost to the rival's, it retried
    // decided again on both reports: mine recorded, and the first wave done, the next one starts
    expect(events.map((e) => e.type)).toEqual(['DeviceOutcomeRecorded', 'WaveStarted', 'DevicesAssigned']);
    const stored = (await store.load(store.subject('rollout', fleet, rolloutId))).events.map((r) => r.event);
    const cached = await replica.current(fleet, rolloutId);
    expect(rolloutDocument(cached)).toEqual(inline(stored).reduce(reference.evolve, reference.initialState()));
    expect(rolloutDocument(before)).toEqual(beforeDocument);
  });
});
