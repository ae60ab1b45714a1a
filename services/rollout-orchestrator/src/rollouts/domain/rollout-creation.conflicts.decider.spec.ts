import { given, InvalidInput, RuleViolation } from '@keelson/domain-kit';
import type { RolloutEvent } from '@keelson/events';
import { awaiting, create, createdEvents, createdWith, hardware, needs } from '../../test-fixtures/rollout-creation.js';
import { at, created, outcome, ref, rolloutId, strategy, tenDevices } from '../../test-fixtures/rollout-history.js';
import { rolloutDecider, type RolloutCommand } from './rollout.decider.js';
import { orderDevices } from './wave-plan.js';

describe('rollout creation rules', () => {
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
});
