import { given, InvalidInput, RuleViolation } from '@keelson/domain-kit';
import type { RolloutEvent } from '@keelson/events';
import { artifact, at, created, fleet, outcome, probe, ref, rolloutId, strategy, tenDevices } from '../../test-fixtures/rollout-history.js';
import { rolloutDecider, type RolloutCommand } from './rollout.decider.js';
import { orderDevices } from './wave-plan.js';

const oneWave = strategy([[100, 'manual']]);
const orin = { accelerator: 'jetson-orin', memoryMb: 16_000 };
const needs = { accelerator: 'jetson-orin', minMemoryMb: 8000 };
const three = ['d-00', 'd-01', 'd-02'];
const hardware = { 'd-00': orin, 'd-01': { accelerator: 'hailo-8', memoryMb: 16_000 }, 'd-02': { ...orin, memoryMb: 4000 } };

const create = (extra: Partial<Extract<RolloutCommand, { type: 'CreateRollout' }>> = {}): RolloutCommand => ({
  type: 'CreateRollout',
  ...ref,
  at,
  artifact,
  deviceIds: three,
  probe,
  strategy: oneWave,
  ...extra,
});
const createdWith = (data: Record<string, unknown>, deviceIds = three): RolloutEvent[] => [
  {
    type: 'RolloutCreated',
    schemaVersion: 2,
    data: { ...ref, artifact, ...data, deviceCount: deviceIds.length, probe, strategy: oneWave, createdAt: at },
  },
  { type: 'RolloutTargetsAdded', schemaVersion: 1, data: { ...ref, from: 0, deviceIds: orderDevices(rolloutId, deviceIds) } },
];
const awaiting: RolloutEvent = { type: 'WaveAwaitingApproval', schemaVersion: 1, data: { ...ref, wave: 0 } };
const createdEvents = (command: RolloutCommand) => rolloutDecider.decide(command, rolloutDecider.initialState());

describe('rollout creation rules', () => {
  describe('targeting', () => {
    it('records the selector and the devices it resolved to', () => {
      given(rolloutDecider, [])
        .when(create({ selector: 'accelerator=jetson-orin' }))
        .then([...createdWith({ selector: 'accelerator=jetson-orin' }), awaiting]);
    });

    it('records device names when one device is targeted without a group', () => {
      given(rolloutDecider, [])
        .when(create({ deviceNames: ['cam-1'], deviceIds: ['d-00'] }))
        .then([...createdWith({ deviceNames: ['cam-1'] }, ['d-00']), awaiting]);
    });

    it('records the channel the version was resolved from and the rollout it retries', () => {
      given(rolloutDecider, [])
        .when(create({ groupId: 'g-1', channel: 'stable', retryOf: 'r-old' }))
        .then([...createdWith({ groupId: 'g-1', channel: 'stable', retryOf: 'r-old' }), awaiting]);
    });

    it('refuses a target without devices', () => {
      given(rolloutDecider, [])
        .when(create({ groupId: 'g-1', deviceIds: [] }))
        .thenThrows(InvalidInput, 'group.empty');
      given(rolloutDecider, [])
        .when(create({ selector: 'site=x', deviceIds: [] }))
        .thenThrows(InvalidInput, 'target.empty');
    });
  });

  describe('a decommissioned device in the target', () => {
    const inactive = [{ deviceId: 'd-01', reason: 'decommissioned' }];

    it('is left out and recorded, not counted as a misfit', () => {
      given(rolloutDecider, [])
        .when(create({ groupId: 'g-1', inactive: ['d-01'] }))
        .then([...createdWith({ groupId: 'g-1', inactive }, ['d-00', 'd-02']), awaiting]);
    });

    it('is left out before the hardware check: the rollout is not refused for it', () => {
      const fits = { 'd-00': orin, 'd-02': orin };
      given(rolloutDecider, [])
        .when(create({ groupId: 'g-1', inactive: ['d-01'], hardwareNeeds: needs, hardware: fits }))
        .then([...createdWith({ groupId: 'g-1', inactive }, ['d-00', 'd-02']), awaiting]);
    });

    it('refuses a group whose members are all decommissioned, naming them', () => {
      given(rolloutDecider, [])
        .when(create({ groupId: 'g-1', inactive: three }))
        .thenThrows(InvalidInput, 'group.no-active-devices');
      expect(() => createdEvents(create({ groupId: 'g-1', inactive: three }))).toThrow(
        "group 'g-1' has no active devices (decommissioned: d-00, d-01, d-02)",
      );
      given(rolloutDecider, [])
        .when(create({ deviceNames: three, inactive: three }))
        .thenThrows(InvalidInput, 'target.no-active-devices');
    });
  });

  describe('hardware fit', () => {
    it('refuses the rollout by default, with a reason per misfit device', () => {
      expect(() => createdEvents(create({ hardwareNeeds: needs, hardware }))).toThrow(InvalidInput);
      try {
        createdEvents(create({ hardwareNeeds: needs, hardware }));
      } catch (err) {
        expect(err).toMatchObject({
          code: 'hardware.misfit',
          issues: [
            { path: ['devices', 'd-01'], message: 'needs accelerator jetson-orin, device has hailo-8' },
            { path: ['devices', 'd-02'], message: 'needs at least 8000 MB memory, device has 4000 MB' },
          ],
        });
      }
    });

    it('leaves the misfits out and records them when told to exclude', () => {
      given(rolloutDecider, [])
        .when(create({ hardwareNeeds: needs, hardware, onMisfit: 'exclude' }))
        .then([
          ...createdWith(
            {
              misfits: [
                { deviceId: 'd-01', reason: 'needs accelerator jetson-orin, device has hailo-8' },
                { deviceId: 'd-02', reason: 'needs at least 8000 MB memory, device has 4000 MB' },
              ],
            },
            ['d-00'],
          ),
          awaiting,
        ]);
    });

    it('counts a device without a known profile as a misfit', () => {
      given(rolloutDecider, [])
        .when(create({ hardwareNeeds: needs, hardware: { 'd-00': orin, 'd-01': orin } }))
        .thenThrows(InvalidInput, 'hardware.misfit');
    });

    it('refuses when no device fits, even when excluding', () => {
      given(rolloutDecider, [])
        .when(create({ deviceIds: ['d-01'], hardwareNeeds: needs, hardware, onMisfit: 'exclude' }))
        .thenThrows(InvalidInput, 'hardware.no-device-fits');
    });
  });

  describe('one active rollout per device and artifact name', () => {
    const conflicts = [{ rolloutId: 'r-in-the-way', deviceIds: ['d-01', 'd-09'] }];

    it('refuses a conflicting rollout, naming the rollout in the way', () => {
      given(rolloutDecider, []).when(create({ conflicts })).thenThrows(RuleViolation, 'rollout.conflict');
      expect(() => createdEvents(create({ conflicts }))).toThrow(/d-01 are in active rollout\(s\) r-in-the-way of yolo-v8n/);
    });

    it('supersedes it when told so, recording which devices it took over and why', () => {
      given(rolloutDecider, [])
        .when(create({ conflicts, supersede: { reason: 'hotfix' } }))
        .then([...createdWith({ supersedes: [{ rolloutId: 'r-in-the-way', deviceIds: ['d-01'] }], supersedeReason: 'hotfix' }), awaiting]);
    });

    it('refuses, changing nothing, a takeover of more devices than one event can record', () => {
      const many = Array.from({ length: 2000 }, (_, i) => `device-${String(i).padStart(4, '0')}-${'x'.repeat(30)}`);
      const taken = { conflicts: [{ rolloutId: 'r-in-the-way', deviceIds: many }], supersede: { reason: 'hotfix' } };
      given(rolloutDecider, [])
        .when(create({ deviceIds: many, ...taken }))
        .thenThrows(InvalidInput, 'target.too-large');
      expect(() => createdEvents(create({ deviceIds: many, ...taken }))).toThrow(/2000 taken-over device\(s\).*target fewer devices/);
      // the same devices without a takeover are chunked and created
      expect(createdEvents(create({ deviceIds: many })).filter((e) => e.type === 'RolloutTargetsAdded').length).toBeGreaterThan(1);
    });

    it('ignores a conflict on a device it left out as a misfit', () => {
      given(rolloutDecider, [])
        .when(create({ conflicts, hardwareNeeds: needs, hardware, onMisfit: 'exclude' }))
        .then([
          ...createdWith(
            {
              misfits: [
                { deviceId: 'd-01', reason: 'needs accelerator jetson-orin, device has hailo-8' },
                { deviceId: 'd-02', reason: 'needs at least 8000 MB memory, device has 4000 MB' },
              ],
            },
            ['d-00'],
          ),
          awaiting,
        ]);
    });
  });

  describe('the superseded rollout', () => {
    const supersede = (deviceIds: string[]): RolloutCommand => ({
      type: 'SupersedeDevices',
      ...ref,
      at,
      deviceIds,
      byRolloutId: 'r-new',
      reason: 'hotfix',
    });
    const left = (deviceId: string): RolloutEvent => ({
      type: 'DeviceExcluded',
      schemaVersion: 1,
      data: { ...ref, deviceId, reason: 'superseded by rollout r-new: hotfix' },
    });
    const manual = strategy([
      [10, 'manual'],
      [100, 'manual'],
    ]);
    const order = orderDevices(rolloutId, tenDevices);
    const waiting: RolloutEvent = { type: 'WaveAwaitingApproval', schemaVersion: 1, data: { ...ref, wave: 0 } };

    it('lets the devices go and carries on with the rest', () => {
      given(rolloutDecider, [...created(manual), waiting])
        .when(supersede(['d-03', 'd-04']))
        .then([left('d-03'), left('d-04')]);
    });

    it('is aborted, keeping what is installed, when nothing is left to wait for', () => {
      given(rolloutDecider, [...created(manual), waiting, outcome(order[0]!, 'healthy')])
        .when(supersede(order.slice(1)))
        .then([...order.slice(1).map(left), { type: 'RolloutAborted', schemaVersion: 1, data: { ...ref, mode: 'keep', abortedAt: at } }]);
    });

    it('does not take a device that already ended its update, and does nothing to an ended rollout', () => {
      given(rolloutDecider, [...created(manual), waiting, outcome(order[0]!, 'healthy')])
        .when(supersede([order[0]!]))
        .then([]);
      given(rolloutDecider, [
        ...created(manual),
        { type: 'RolloutAborted', schemaVersion: 1, data: { ...ref, mode: 'keep', abortedAt: at } },
      ])
        .when(supersede(['d-03']))
        .then([]);
    });
  });

  it('belongs to fleet and rollout of the command', () => {
    expect(createdEvents(create())[0]).toMatchObject({ data: { fleet, rolloutId } });
  });
});
