import { createHash } from 'node:crypto';
import { assertNever, RuleViolation, type Decider } from '@keelson/domain-kit';
import type { GroupEvent } from '@keelson/events';

/** A static group of devices, folded from `ev.group.<fleet>.<groupId>`. */
export type Group =
  | { status: 'absent' | 'deleted' }
  | { status: 'active'; name: string; deviceIds: string[]; unresolvedNames: string[] };

export type GroupCommand =
  | { type: 'CreateGroup'; fleet: string; groupId: string; name: string; deviceIds: string[]; unresolvedNames: string[] }
  /** A device just enrolled with a token that names the group; a group deleted since takes no one. */
  | { type: 'AddEnrolledDevice'; fleet: string; groupId: string; deviceId: string };

/**
 * The group id of a name in a fleet. Derived from the name, so two operators creating the same
 * name race on one aggregate and exactly one of them wins: names stay unique without a lock.
 */
export function groupIdOf(fleet: string, name: string): string {
  return `g-${createHash('sha256').update(`${fleet}/${name}`).digest('hex').slice(0, 16)}`;
}

function decide(command: GroupCommand, state: Group): GroupEvent[] {
  switch (command.type) {
    case 'CreateGroup': {
      if (state.status === 'active') throw new RuleViolation('group.name-taken', `a group named '${command.name}' exists`);
      const { fleet, groupId, name, deviceIds, unresolvedNames } = command;
      return [{ type: 'GroupCreated', schemaVersion: 1, data: { fleet, groupId, name, deviceIds, unresolvedNames } }];
    }
    case 'AddEnrolledDevice': {
      if (state.status !== 'active' || state.deviceIds.includes(command.deviceId)) return [];
      const { fleet, groupId, deviceId } = command;
      return [{ type: 'GroupMembersChanged', schemaVersion: 1, data: { fleet, groupId, deviceIds: [...state.deviceIds, deviceId], unresolvedNames: state.unresolvedNames } }];
    }
    default:
      return assertNever(command, 'group command');
  }
}

function evolve(state: Group, event: GroupEvent): Group {
  switch (event.type) {
    case 'GroupCreated': {
      const { name, deviceIds, unresolvedNames } = event.data;
      return { status: 'active', name, deviceIds, unresolvedNames };
    }
    case 'GroupMembersChanged':
      return state.status === 'active' ? { ...state, deviceIds: event.data.deviceIds, unresolvedNames: event.data.unresolvedNames } : state;
    case 'GroupDeleted':
      return { status: 'deleted' };
    default:
      return assertNever(event, 'group event');
  }
}

/** The group aggregate: a name and the devices it resolved to, with the names that did not resolve. */
export const groupDecider: Decider<GroupCommand, GroupEvent, Group> = {
  initialState: () => ({ status: 'absent' }),
  decide,
  evolve,
};
