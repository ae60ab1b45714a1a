import { given, RuleViolation } from '@keelson/domain-kit';
import type { GroupEvent } from '@keelson/events';
import { groupDecider, groupIdOf, type GroupCommand } from './group.decider.js';

const fleet = 'plant-7';
const groupId = groupIdOf(fleet, 'line 7');
const create: GroupCommand = { type: 'CreateGroup', fleet, groupId, name: 'line 7', deviceIds: ['d-01', 'd-02'], unresolvedNames: ['cam-99'] };
const created: GroupEvent = { type: 'GroupCreated', schemaVersion: 1, data: { fleet, groupId, name: 'line 7', deviceIds: ['d-01', 'd-02'], unresolvedNames: ['cam-99'] } };

describe('group aggregate', () => {
  it('is created with its resolved devices and the names that did not resolve', () => {
    given(groupDecider, []).when(create).then([created]);
  });

  it('refuses a second group of the same name', () => {
    given(groupDecider, [created]).when(create).thenThrows(RuleViolation, 'group.name-taken');
  });

  it('can take a name again once its group was deleted', () => {
    given(groupDecider, [created, { type: 'GroupDeleted', schemaVersion: 1, data: { fleet, groupId } }]).when(create).then([created]);
  });

  describe('when a device enrolls with a token that names the group', () => {
    const enrolled: GroupCommand = { type: 'AddEnrolledDevice', fleet, groupId, deviceId: 'd-03' };
    it('takes it in beside the members it has, keeping the names that did not resolve', () => {
      given(groupDecider, [created]).when(enrolled).then([
        { type: 'GroupMembersChanged', schemaVersion: 1, data: { fleet, groupId, deviceIds: ['d-01', 'd-02', 'd-03'], unresolvedNames: ['cam-99'] } },
      ]);
    });
    it('changes nothing when the device is a member already, or the group is gone', () => {
      given(groupDecider, [created]).when({ ...enrolled, deviceId: 'd-02' }).then([]);
      given(groupDecider, [created, { type: 'GroupDeleted', schemaVersion: 1, data: { fleet, groupId } }]).when(enrolled).then([]);
      given(groupDecider, []).when(enrolled).then([]);
    });
  });

  it('derives one id per fleet and name, usable as a subject token', () => {
    expect(groupIdOf(fleet, 'line 7')).toBe(groupId);
    expect(groupIdOf('plant-8', 'line 7')).not.toBe(groupId);
    expect(groupIdOf(fleet, 'Line 7')).not.toBe(groupId);
    expect(groupId).toMatch(/^g-[0-9a-f]{16}$/);
  });
});
