import { fold } from '@keelson/domain-kit';
import { fitsOneEvent, parseRolloutEvent, type RolloutEvent } from '@keelson/events';
import {
  createCommand,
  created,
  createdV1,
  outcome,
  report,
  rolloutId,
  strategy,
  tenDevices,
  waveStarted,
  waveStartedV1,
} from '../../test-fixtures/rollout-history.js';
import { rolloutDocument } from '../../test-fixtures/rollout-document.js';
import { rolloutView } from '../read-models/rollout-view.js';
import { assignedDevices, rolloutDecider, type LiveRollout } from './rollout.decider.js';
import { orderDevices } from './wave-plan.js';

const devices = (n: number) => Array.from({ length: n }, (_, i) => `device-${String(i).padStart(6, '0')}-${'x'.repeat(30)}`);
const idsOf = (events: RolloutEvent[], type: 'RolloutTargetsAdded' | 'DevicesAssigned') =>
  events.flatMap((e) => (e.type === type ? e.data.deviceIds : []));
const bytes = (e: RolloutEvent) => Buffer.byteLength(JSON.stringify(e));

describe('a rollout of many devices, in chunks', () => {
  const oneWave = strategy([[100, 'auto']]);
  const twoWaves = strategy([
    [10, 'auto'],
    [100, 'auto'],
  ]);

  it('creates 20,000 devices with no event over 64 KiB, listing each device once, in wave order', () => {
    const events = rolloutDecider.decide(createCommand(oneWave, devices(20_000)), rolloutDecider.initialState());
    expect(events[0]).toMatchObject({ type: 'RolloutCreated', schemaVersion: 2, data: { deviceCount: 20_000 } });
    expect(events[0]!.data).not.toHaveProperty('deviceIds');
    expect(idsOf(events, 'RolloutTargetsAdded')).toEqual(orderDevices(rolloutId, devices(20_000)));
    expect(Math.max(...events.map(bytes))).toBeLessThanOrEqual(64 * 1024);
    // the chunks sit in the order they list the devices, each starting where the last one ended
    const targets = events.filter((e) => e.type === 'RolloutTargetsAdded');
    expect(targets.length).toBeGreaterThan(10);
    let from = 0;
    for (const t of targets) {
      expect(t.data.from).toBe(from);
      from += t.data.deviceIds.length;
    }
  });

  it('starts a wave of 20,000 devices as a bare start and chunks of assignments, every device once', () => {
    const events = rolloutDecider.decide(createCommand(oneWave, devices(20_000)), rolloutDecider.initialState());
    const start = events.findIndex((e) => e.type === 'WaveStarted');
    expect(events[start]!.data).not.toHaveProperty('deviceIds');
    const assigned = idsOf(events.slice(start), 'DevicesAssigned');
    expect(assigned).toEqual(orderDevices(rolloutId, devices(20_000)));
    expect(events.slice(start + 1).every((e) => e.type === 'DevicesAssigned' && fitsOneEvent(e.data.deviceIds))).toBe(true);
    expect(assignedDevices((fold(rolloutDecider, events) as LiveRollout).facts)).toHaveLength(20_000);
  });

  it('assigns a throttled slice bigger than one event in several chunks that add up to the slice', () => {
    const s = { ...twoWaves, maxConcurrent: 3000 };
    const events = rolloutDecider.decide(createCommand(s, devices(40_000)), rolloutDecider.initialState());
    const assigned = idsOf(events, 'DevicesAssigned');
    expect(assigned).toEqual(orderDevices(rolloutId, devices(40_000)).slice(0, 3000));
    expect(events.filter((e) => e.type === 'DevicesAssigned').length).toBeGreaterThan(1);
  });

  it("hands the store the state its decision folded, equal to its events' fold: a creation's devices folded once", () => {
    const initial = rolloutDecider.initialState();
    const command = createCommand(twoWaves, devices(20_000));
    const decision = rolloutDecider.decideAndEvolve!(command, initial);
    expect(decision.events).toEqual(rolloutDecider.decide(command, initial));
    expect(rolloutDocument(decision.state)).toEqual(
      rolloutDocument(
        fold(
          rolloutDecider,
          decision.events.map((e) => structuredClone(e)),
        ),
      ),
    );
    // the outcome that ends the first wave starts the next: its devices too are in the decision's state
    const [last, ...others] = assignedDevices((decision.state as LiveRollout).facts).reverse();
    const prior = others.reduce((state, d) => rolloutDecider.decideAndEvolve!(report(d, 'healthy'), state).state, decision.state);
    const next = rolloutDecider.decideAndEvolve!(report(last!, 'healthy'), prior);
    expect(next.events.map((e) => e.type)).toContain('WaveStarted');
    expect(rolloutDocument(next.state)).toEqual(
      rolloutDocument(
        fold(
          rolloutDecider,
          next.events.map((e) => structuredClone(e)),
          prior,
        ),
      ),
    );
  });
});

describe('a history written as version 1 (device ids inline)', () => {
  const auto2 = strategy([
    [10, 'auto'],
    [100, 'auto'],
  ]);
  const order = orderDevices(rolloutId, tenDevices);
  const [canary] = order as [string];
  const v1 = [createdV1(auto2), waveStartedV1(0, [canary])].map(parseRolloutEvent);
  const v2 = [...created(auto2), ...waveStarted(0, [canary])];

  it('folds to the same state as the same facts written in chunks', () => {
    expect(rolloutDocument(fold(rolloutDecider, v1))).toEqual(rolloutDocument(fold(rolloutDecider, v2)));
  });

  it('goes on with the next wave in the current shape', () => {
    const next = rolloutDecider.decide(report(canary, 'healthy'), fold(rolloutDecider, v1));
    expect(next).toEqual([outcome(canary, 'healthy'), ...waveStarted(1, order.slice(1))]);
  });
});

describe('the view of a rollout of many devices', () => {
  it('lists the first 1000 devices and says how many there are; the waves count them all', () => {
    const s = strategy([
      [10, 'auto'],
      [100, 'auto'],
    ]);
    const state = fold(
      rolloutDecider,
      rolloutDecider.decide(createCommand(s, devices(5000)), rolloutDecider.initialState()),
    ) as LiveRollout;
    const view = rolloutView(state, new Map());
    expect(view.devices.map((d) => d.deviceId)).toEqual(orderDevices(rolloutId, devices(5000)).slice(0, 1000));
    expect(view.deviceCount).toBe(5000);
    expect(view.waves!.map((w) => [w.devices, w.assigned])).toEqual([
      [500, 500],
      [4500, 0],
    ]);
    expect(rolloutView(fold(rolloutDecider, created(s)) as LiveRollout, new Map())).not.toHaveProperty('deviceCount');
  });
});
