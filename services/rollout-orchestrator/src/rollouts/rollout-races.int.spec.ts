import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { RuleViolation } from '@keelson/domain-kit';
import { applyStreams, eventStreams, EventStore } from '@keelson/event-store';
import { parseRolloutEvent, type RolloutEvent, type Strategy } from '@keelson/events';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { at, createCommand, fleet, strategy } from '../test-fixtures/rollout-history.js';
import { assignedDevices, type RolloutCommand } from './domain/rollout.decider.js';
import { Rollouts } from './rollouts.js';

// Two `Rollouts` over one stream, each with its own aggregate cache: two orchestrator replicas.
describe('rollout races between two replicas, against real NATS', () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let store: EventStore<RolloutEvent>;
  let replicas: [Rollouts, Rollouts];
  let n = 0;
  const meta = () => ({ actor: { kind: 'operator' as const, id: `ada-${n}` }, correlationId: 'c', commandId: `race-${++n}` });

  beforeAll(async () => {
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [eventStreams.orchestrator]);
    store = new EventStore({ nc, naming, stream: eventStreams.orchestrator, parse: parseRolloutEvent });
    replicas = [new Rollouts(store), new Rollouts(store)];
  });
  afterAll(async () => {
    await nc?.close();
  });

  const ref = (rolloutId: string) => ({ fleet, rolloutId, at });
  const create = async (rolloutId: string, s: Strategy) => replicas[0].execute({ ...createCommand(s), rolloutId }, meta());
  const report = (rolloutId: string, deviceId: string): RolloutCommand => ({
    type: 'RecordDeviceOutcome',
    ...ref(rolloutId),
    deviceId,
    assignmentId: `${rolloutId}-${deviceId}`,
    state: 'healthy',
  });
  const history = async (rolloutId: string) => (await store.load(store.subject('rollout', fleet, rolloutId))).events.map((r) => r.event);
  const assignedIn = (events: RolloutEvent[]) =>
    events.flatMap((e) => (e.type === 'WaveStarted' || e.type === 'DevicesAssigned' ? (e.data.deviceIds ?? []) : []));
  const typesOf = (events: RolloutEvent[]) => events.map((e) => e.type);

  it('approve racing abort: one consistent outcome, never a wave started after the abort', async () => {
    for (let round = 0; round < 4; round++) {
      const rolloutId = `r-approveabort${round}`;
      const { state } = await create(
        rolloutId,
        strategy([
          [10, 'auto'],
          [100, 'manual'],
        ]),
      );
      const [canary] = assignedDevices(state.facts);
      await replicas[1].execute(report(rolloutId, canary!), meta());
      const [approve, abort] = await Promise.allSettled([
        replicas[0].execute({ type: 'ApproveWave', ...ref(rolloutId) }, meta()),
        replicas[1].execute({ type: 'AbortRollout', ...ref(rolloutId), mode: 'keep' }, meta()),
      ]);
      expect(abort.status).toBe('fulfilled');
      const types = typesOf(await history(rolloutId));
      expect(types.filter((t) => t === 'RolloutAborted')).toHaveLength(1);
      expect(types.slice(types.indexOf('RolloutAborted') + 1)).toEqual([]);
      if (approve.status === 'rejected') {
        expect(approve.reason).toBeInstanceOf(RuleViolation);
        expect((approve.reason as RuleViolation).code).toBe('rollout.aborted');
        expect(types).not.toContain('WaveApproved');
      } else {
        expect(types.slice(-3)).toEqual(['WaveApproved', 'WaveStarted', 'RolloutAborted']);
        // the approval carries who approved, as the audit log records it
        const approval = (await store.load(store.subject('rollout', fleet, rolloutId))).events.find((r) => r.event.type === 'WaveApproved');
        expect(approval?.meta.actor).toEqual({ kind: 'operator', id: expect.stringMatching(/^ada-/) });
      }
    }
  });

  it('halt racing the report that would widen: no wave starts after the halt', async () => {
    for (let round = 0; round < 4; round++) {
      const rolloutId = `r-haltadvance${round}`;
      const { state } = await create(
        rolloutId,
        strategy([
          [10, 'auto'],
          [100, 'auto'],
        ]),
      );
      const [canary] = assignedDevices(state.facts);
      await Promise.all([
        replicas[0].execute({ type: 'HaltRollout', ...ref(rolloutId), reason: 'operator halt' }, meta()),
        replicas[1].execute(report(rolloutId, canary!), meta()),
      ]);
      const types = typesOf(await history(rolloutId));
      expect(types.filter((t) => t === 'RolloutHalted')).toHaveLength(1);
      expect(types).toContain('DeviceOutcomeRecorded');
      expect(types.slice(types.indexOf('RolloutHalted') + 1)).not.toContain('WaveStarted');
    }
  });

  it('two replicas recording outcomes at once never assign a device twice, with or without a throttle', async () => {
    for (const s of [
      strategy([
        [20, 'auto'],
        [60, 'auto'],
        [100, 'auto'],
      ]),
      { ...strategy([[100, 'auto']]), maxConcurrent: 3 },
    ]) {
      const rolloutId = `r-tworeplicas${s.maxConcurrent ?? 0}`;
      await create(rolloutId, s);
      for (let guard = 0; guard < 20; guard++) {
        const events = await history(rolloutId);
        if (typesOf(events).includes('RolloutFinished')) break;
        const reported = new Set(events.flatMap((e) => (e.type === 'DeviceOutcomeRecorded' ? [e.data.deviceId] : [])));
        const open = assignedIn(events).filter((d) => !reported.has(d));
        // each device's report reaches both replicas (a redelivery), all at once
        await Promise.all(open.flatMap((d) => replicas.map((r) => r.execute(report(rolloutId, d), meta()))));
      }
      const events = await history(rolloutId);
      const assigned = assignedIn(events);
      expect(new Set(assigned).size).toBe(assigned.length);
      expect(assigned).toHaveLength(10);
      expect(events.filter((e) => e.type === 'DeviceOutcomeRecorded')).toHaveLength(10);
      expect(events.at(-1)).toMatchObject({ type: 'RolloutFinished', data: { outcome: 'succeeded' } });
    }
  });
});
