import { given, NotFound, RuleViolation } from '@keelson/domain-kit';
import type { DeviceEvent } from '@keelson/events';
import { assignment } from '../test-fixtures/assignments.js';
import { decommissioned, deviceId, desired, enrolled, fleet, report } from '../test-fixtures/device-history.js';
import { deviceDecider, type DeviceCommand } from './device.decide.js';

const reachability = (reachable: boolean, at: string): DeviceEvent => ({
  type: 'DeviceReachabilityChanged',
  schemaVersion: 1,
  data: { fleet, deviceId, reachable, lastSeenAt: at },
});

describe('device aggregate', () => {
  describe('reachability', () => {
    it('turns reachable on the first hello after silence, once', () => {
      given(deviceDecider, [enrolled])
        .when({ type: 'MarkReachable', at: '2026-11-22T10:00:00.000Z' })
        .then([reachability(true, '2026-11-22T10:00:00.000Z')]);
      given(deviceDecider, [enrolled, reachability(true, '2026-11-22T10:00:00.000Z')])
        .when({ type: 'MarkReachable', at: '2026-11-22T10:01:00.000Z' })
        .then([]);
    });

    it('turns unreachable once when the device goes silent', () => {
      const online = [enrolled, reachability(true, '2026-11-22T10:00:00.000Z')];
      given(deviceDecider, online)
        .when({ type: 'MarkUnreachable', lastSeenAt: '2026-11-22T10:00:30.000Z' })
        .then([reachability(false, '2026-11-22T10:00:30.000Z')]);
      given(deviceDecider, [...online, reachability(false, '2026-11-22T10:00:30.000Z')])
        .when({ type: 'MarkUnreachable', lastSeenAt: '2026-11-22T10:00:30.000Z' })
        .then([]);
    });
  });

  describe('when decommissioned', () => {
    const retired = [enrolled, desired(1, assignment('a-1')), decommissioned];
    it.each<[string, DeviceCommand]>([
      ['an assignment', { type: 'Assign', assignment: assignment('a-2') }],
      ['a report', report('a-1', 'healthy')],
      ['a hello', { type: 'MarkReachable', at: '2026-11-22T10:00:00.000Z' }],
      ['silence', { type: 'MarkUnreachable', lastSeenAt: '2026-11-22T10:00:00.000Z' }],
    ])('refuses %s', (_, command) => {
      given(deviceDecider, retired).when(command).thenThrows(RuleViolation, 'device.decommissioned');
    });
  });

  describe('decommissioning', () => {
    it("retires an active device, with the operator's reason", () => {
      given(deviceDecider, [enrolled, desired(1, assignment('a-1'))])
        .when({ type: 'Decommission', reason: 'stolen' })
        .then([{ type: 'DeviceDecommissioned', schemaVersion: 1, data: { fleet, deviceId, reason: 'stolen' } }]);
    });

    it('treats decommissioning twice as done', () => {
      given(deviceDecider, [enrolled, decommissioned]).when({ type: 'Decommission' }).then([]);
    });

    it('does not find a device that never enrolled', () => {
      given(deviceDecider, []).when({ type: 'Decommission' }).thenThrows(NotFound, 'device.not-found');
    });
  });
});
