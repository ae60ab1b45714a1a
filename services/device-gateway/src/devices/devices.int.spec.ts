import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, type DesiredStateChanged, type DeviceEvent } from '@keelson/events';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { assignment } from '../test-fixtures/assignments.js';
import { Devices } from './devices.js';

const fleet = 'plant-7';
const meta = (id: string) => ({ actor: { kind: 'service', id: 'rollout-orchestrator' } as const, correlationId: 'c-1', commandId: id });

describe('device commands racing on one aggregate (two gateway replicas)', () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let store: EventStore<DeviceEvent>;

  beforeAll(async () => {
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [eventStreams.gateway]);
    store = new EventStore({ nc, naming, stream: eventStreams.gateway, parse: parseDeviceEvent });
  });
  afterAll(() => nc?.close());

  const enroll = (deviceId: string) =>
    store.append(
      store.subject('device', fleet, deviceId),
      0,
      [
        {
          type: 'DeviceEnrolled',
          schemaVersion: 1,
          data: {
            fleet,
            deviceId,
            name: deviceId,
            certificateSerial: '0a',
            certificateFingerprint: 'c'.repeat(64),
            labels: {},
            hardware: {},
            enrolledWith: 'et-1',
          },
        },
      ],
      meta(`enroll-${deviceId}`),
    );
  const desiredStates = async (deviceId: string) =>
    (await store.load(store.subject('device', fleet, deviceId))).events
      .map((r) => r.event)
      .filter((e): e is DesiredStateChanged => e.type === 'DesiredStateChanged');

  it('keeps both of two concurrent assignments of different artifacts, in generations 1 and 2', async () => {
    await enroll('d-race1');
    const [one, two] = [new Devices(store), new Devices(store)];
    await Promise.all([
      one.execute(fleet, 'd-race1', { type: 'Assign', assignment: assignment('a-model', 'yolo-v8n') }, meta('assign-model')),
      two.execute(fleet, 'd-race1', { type: 'Assign', assignment: assignment('a-config', 'line-config') }, meta('assign-config')),
    ]);
    const states = await desiredStates('d-race1');
    expect(states.map((e) => e.data.generation)).toEqual([1, 2]);
    expect(states[1]!.data.assignments.map((a) => a.assignmentId).sort()).toEqual(['a-config', 'a-model']);
  });

  it('stores one change when two replicas assign the same assignment at once', async () => {
    await enroll('d-race2');
    const [one, two] = [new Devices(store), new Devices(store)];
    const outcomes = await Promise.all([
      one.execute(fleet, 'd-race2', { type: 'Assign', assignment: assignment('a-same') }, meta('assign-same-1')),
      two.execute(fleet, 'd-race2', { type: 'Assign', assignment: assignment('a-same') }, meta('assign-same-2')),
    ]);
    expect(outcomes.map((o) => o.events.length).sort()).toEqual([0, 1]);
    expect((await desiredStates('d-race2')).map((e) => e.data.generation)).toEqual([1]);
  });

  it('records a report on the assignment another replica made after this replica cached the device', async () => {
    await enroll('d-stale');
    const [one, two] = [new Devices(store), new Devices(store)];
    await one.execute(fleet, 'd-stale', { type: 'MarkReachable', at: '2026-12-05T10:00:00.000Z' }, meta('reachable-stale')); // one caches the device
    await two.execute(fleet, 'd-stale', { type: 'Assign', assignment: assignment('a-late') }, meta('assign-late'));
    // On one's cached state the assignment is unknown and the report would be dropped as nothing to do.
    const report = {
      type: 'RecordReport' as const,
      assignmentId: 'a-late',
      rolloutId: 'r-1',
      state: 'downloading' as const,
      reportedAt: '2026-12-05T10:00:01.000Z',
    };
    const outcome = await one.execute(fleet, 'd-stale', report, meta('report-late'));
    expect(outcome.events.map((e) => e.type)).toEqual(['DeviceReportedProgress']);
  });
});
