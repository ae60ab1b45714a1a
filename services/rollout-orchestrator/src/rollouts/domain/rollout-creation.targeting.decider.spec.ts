import { given, InvalidInput } from '@keelson/domain-kit';
import { awaiting, create, createdEvents, createdWith, hardware, needs, orin, three } from '../../test-fixtures/rollout-creation.js';
import { fleet, rolloutId } from '../../test-fixtures/rollout-history.js';
import { rolloutDecider } from './rollout.decider.js';

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

  it('belongs to fleet and rollout of the command', () => {
    expect(createdEvents(create())[0]).toMatchObject({ data: { fleet, rolloutId } });
  });
});
