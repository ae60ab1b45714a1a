import { rejectedPaths } from '../test-support/rejected-paths.js';
import { parseGroupEvent, type GroupCreated } from './group-events.js';

const issuesOf = (raw: unknown): string[] => rejectedPaths(parseGroupEvent, raw);

const created: GroupCreated = {
  type: 'GroupCreated',
  schemaVersion: 1,
  data: {
    fleet: 'plant-7',
    groupId: 'g-dock-cameras',
    name: 'Dock cameras',
    deviceIds: ['cam-dock-01', 'cam-dock-02', 'cam-dock-03'],
    unresolvedNames: ['Dock camera 4'],
  },
};

describe('group events', () => {
  it('parse a created group to itself, names that did not resolve included', () => {
    expect(parseGroupEvent(created)).toEqual(created);
  });

  it('parse membership changes and deletion', () => {
    const members = { fleet: 'plant-7', groupId: 'g-dock-cameras', deviceIds: ['cam-dock-01'], unresolvedNames: [] };
    expect(parseGroupEvent({ type: 'GroupMembersChanged', schemaVersion: 1, data: members }).data).toEqual(members);
    const deleted = { type: 'GroupDeleted', schemaVersion: 1, data: { fleet: 'plant-7', groupId: 'g-dock-cameras' } };
    expect(parseGroupEvent(deleted)).toEqual(deleted);
  });

  describe('reject', () => {
    it('a device listed twice', () => {
      const data = { ...created.data, deviceIds: ['cam-dock-01', 'cam-dock-01'] };
      expect(issuesOf({ ...created, data })).toEqual(['data.deviceIds']);
    });

    it('an uppercase group id and an empty name', () => {
      expect(issuesOf({ ...created, data: { ...created.data, groupId: 'G-Dock', name: '' } })).toEqual(['data.groupId', 'data.name']);
    });

    it('a name with a control character', () => {
      expect(issuesOf({ ...created, data: { ...created.data, unresolvedNames: ['cam\u0000'] } })).toEqual(['data.unresolvedNames.0']);
    });

    it('a field the version does not declare', () => {
      const deleted = { type: 'GroupDeleted', schemaVersion: 1, data: { fleet: 'plant-7', groupId: 'g-dock-cameras', force: true } };
      expect(issuesOf(deleted)).toEqual(['data']);
    });
  });
});
