import { given, InvalidInput, NotFound, RuleViolation } from '@keelson/domain-kit';
import type { GroupEvent } from '@keelson/events';
import { groupDecider, groupIdOf, type GroupCommand } from './group.decider.js';

const fleet = 'plant-7';
const groupId = groupIdOf(fleet, 'line 7');
const create: GroupCommand = {
  type: 'CreateGroup',
  fleet,
  groupId,
  name: 'line 7',
  deviceIds: ['d-01', 'd-02'],
  unresolvedNames: ['cam-99'],
};
const created: GroupEvent = {
  type: 'GroupCreated',
  schemaVersion: 1,
  data: { fleet, groupId, name: 'line 7', deviceIds: ['d-01', 'd-02'], unresolvedNames: ['cam-99'] },
};

describe('group aggregate', () => {
  it('is created with its resolved devices and the names that did not resolve', () => {
    given(groupDecider, []).when(create).then([created]);
  });

  it('refuses a second group of the same name', () => {
    given(groupDecider, [created]).when(create).thenThrows(RuleViolation, 'group.name-taken');
  });

  it('can take a name again once its group was deleted', () => {
    given(groupDecider, [created, { type: 'GroupDeleted', schemaVersion: 1, data: { fleet, groupId } }])
      .when(create)
      .then([created]);
  });

  const changed = (deviceIds: string[], unresolvedNames: string[]): GroupEvent => ({
    type: 'GroupMembersChanged',
    schemaVersion: 1,
    data: { fleet, groupId, deviceIds, unresolvedNames },
  });
  const deleted: GroupEvent = { type: 'GroupDeleted', schemaVersion: 1, data: { fleet, groupId } };
  const add = (...names: { name: string; deviceIds: string[] }[]): GroupCommand => ({ type: 'AddGroupMembers', fleet, groupId, names });
  const remove = (...names: { name: string; deviceIds: string[] }[]): GroupCommand => ({
    type: 'RemoveGroupMembers',
    fleet,
    groupId,
    names,
  });

  it('adds devices and keeps names that resolve to none, recording the whole new membership', () => {
    given(groupDecider, [created])
      .when(add({ name: 'cam-03', deviceIds: ['d-03'] }, { name: 'cam-98', deviceIds: [] }))
      .then([changed(['d-01', 'd-02', 'd-03'], ['cam-99', 'cam-98'])]);
  });

  it('swaps a kept unresolved name for its device once it resolves', () => {
    given(groupDecider, [created])
      .when(add({ name: 'cam-99', deviceIds: ['d-99'] }))
      .then([changed(['d-01', 'd-02', 'd-99'], [])]);
  });

  it('adds nothing (no event) when every name is a member already', () => {
    given(groupDecider, [created])
      .when(add({ name: 'cam-01', deviceIds: ['d-01'] }, { name: 'cam-99', deviceIds: [] }))
      .then([]);
  });

  it('removes members named by device name, device id or kept unresolved name', () => {
    given(groupDecider, [created])
      .when(remove({ name: 'cam-01', deviceIds: ['d-01'] }, { name: 'cam-99', deviceIds: [] }))
      .then([changed(['d-02'], [])]);
    given(groupDecider, [created])
      .when(remove({ name: 'd-02', deviceIds: [] }))
      .then([changed(['d-01'], ['cam-99'])]);
  });

  it('refuses, changing nothing, to remove a name that is not a member, naming it', () => {
    given(groupDecider, [created])
      .when(remove({ name: 'cam-01', deviceIds: ['d-01'] }, { name: 'cam-05', deviceIds: ['d-05'] }))
      .thenThrows(InvalidInput, 'group.not-a-member');
  });

  it('folds changes in order: a later edit starts from the previous one', () => {
    given(groupDecider, [created, changed(['d-02'], [])])
      .when(add({ name: 'cam-01', deviceIds: ['d-01'] }))
      .then([changed(['d-02', 'd-01'], [])]);
  });

  it('deletes a group once; a deleted or unknown group cannot be edited or deleted', () => {
    given(groupDecider, [created]).when({ type: 'DeleteGroup', fleet, groupId }).then([deleted]);
    given(groupDecider, [created, deleted]).when({ type: 'DeleteGroup', fleet, groupId }).thenThrows(NotFound, 'group.not-found');
    given(groupDecider, [created, deleted])
      .when(add({ name: 'cam-03', deviceIds: ['d-03'] }))
      .thenThrows(NotFound, 'group.not-found');
    given(groupDecider, [])
      .when(remove({ name: 'cam-01', deviceIds: ['d-01'] }))
      .thenThrows(NotFound, 'group.not-found');
  });

  describe('when a device enrolls with a token that names the group', () => {
    const enrolled: GroupCommand = { type: 'AddEnrolledDevice', fleet, groupId, deviceId: 'd-03' };
    it('takes it in beside the members it has, keeping the names that did not resolve', () => {
      given(groupDecider, [created])
        .when(enrolled)
        .then([
          {
            type: 'GroupMembersChanged',
            schemaVersion: 1,
            data: { fleet, groupId, deviceIds: ['d-01', 'd-02', 'd-03'], unresolvedNames: ['cam-99'] },
          },
        ]);
    });
    it('changes nothing when the device is a member already, or the group is gone', () => {
      given(groupDecider, [created])
        .when({ ...enrolled, deviceId: 'd-02' })
        .then([]);
      given(groupDecider, [created, { type: 'GroupDeleted', schemaVersion: 1, data: { fleet, groupId } }])
        .when(enrolled)
        .then([]);
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
