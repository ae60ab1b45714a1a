import { createHash } from 'node:crypto';
import { assertNever, InvalidInput, NotFound, RuleViolation, type Decider } from '@keelson/domain-kit';
import type { GroupEvent } from '@keelson/events';

/** A static group of devices, folded from `ev.group.<fleet>.<groupId>`. */
export type Group = { status: 'absent' | 'deleted' } | { status: 'active'; name: string; deviceIds: string[]; unresolvedNames: string[] };

type ActiveGroup = Extract<Group, { status: 'active' }>;

/** A name an operator gave, with the active devices it resolved to (none when no active device has it). */
export interface NamedMembers {
  name: string;
  deviceIds: string[];
}

export type GroupCommand =
  | { type: 'CreateGroup'; fleet: string; groupId: string; name: string; deviceIds: string[]; unresolvedNames: string[] }
  | { type: 'AddGroupMembers'; fleet: string; groupId: string; names: NamedMembers[] }
  | { type: 'RemoveGroupMembers'; fleet: string; groupId: string; names: NamedMembers[] }
  | { type: 'DeleteGroup'; fleet: string; groupId: string }
  /** A device just enrolled with a token that names the group; a group deleted since takes no one. */
  | { type: 'AddEnrolledDevice'; fleet: string; groupId: string; deviceId: string };

/**
 * The group id of a name in a fleet. Derived from the name, so two operators creating the same
 * name race on one aggregate and exactly one of them wins: names stay unique without a lock.
 */
export function groupIdOf(fleet: string, name: string): string {
  return `g-${createHash('sha256').update(`${fleet}/${name}`).digest('hex').slice(0, 16)}`;
}

function live(state: Group, groupId: string): ActiveGroup {
  if (state.status !== 'active') throw new NotFound('group', groupId);
  return state;
}

/** The whole new membership as one event, or nothing when it is what the group holds already. */
function membersChanged(
  state: ActiveGroup,
  command: { fleet: string; groupId: string },
  deviceIds: string[],
  unresolvedNames: string[],
): GroupEvent[] {
  const sameAs = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (sameAs(deviceIds, state.deviceIds) && sameAs(unresolvedNames, state.unresolvedNames)) return [];
  const { fleet, groupId } = command;
  return [{ type: 'GroupMembersChanged', schemaVersion: 1, data: { fleet, groupId, deviceIds, unresolvedNames } }];
}

// A kept unresolved name that resolves now is replaced by its devices; one that still does not stays kept.
function added(state: ActiveGroup, command: Extract<GroupCommand, { type: 'AddGroupMembers' }>): GroupEvent[] {
  const deviceIds = [...new Set([...state.deviceIds, ...command.names.flatMap((n) => n.deviceIds)])];
  const resolvedNow = new Set(command.names.filter((n) => n.deviceIds.length > 0).map((n) => n.name));
  const stillUnresolved = command.names.filter((n) => n.deviceIds.length === 0).map((n) => n.name);
  const unresolvedNames = [...new Set([...state.unresolvedNames.filter((n) => !resolvedNow.has(n)), ...stillUnresolved])];
  return membersChanged(state, command, deviceIds, unresolvedNames);
}

// A name is a member when it is a kept unresolved name, a member's id, or the name of an active member.
function removed(state: ActiveGroup, command: Extract<GroupCommand, { type: 'RemoveGroupMembers' }>): GroupEvent[] {
  const goneIds = new Set<string>();
  const goneNames = new Set<string>();
  const strangers: string[] = [];
  for (const { name, deviceIds } of command.names) {
    const ids = [name, ...deviceIds].filter((id) => state.deviceIds.includes(id));
    if (ids.length === 0 && !state.unresolvedNames.includes(name)) strangers.push(name);
    for (const id of ids) goneIds.add(id);
    if (state.unresolvedNames.includes(name)) goneNames.add(name);
  }
  if (strangers.length > 0) {
    throw new InvalidInput(
      'group.not-a-member',
      strangers.map((n) => ({ path: ['deviceNames', n], message: `'${n}' is not a member of group '${state.name}'` })),
    );
  }
  return membersChanged(
    state,
    command,
    state.deviceIds.filter((d) => !goneIds.has(d)),
    state.unresolvedNames.filter((n) => !goneNames.has(n)),
  );
}

function decide(command: GroupCommand, state: Group): GroupEvent[] {
  switch (command.type) {
    case 'CreateGroup': {
      if (state.status === 'active') throw new RuleViolation('group.name-taken', `a group named '${command.name}' exists`);
      const { fleet, groupId, name, deviceIds, unresolvedNames } = command;
      return [{ type: 'GroupCreated', schemaVersion: 1, data: { fleet, groupId, name, deviceIds, unresolvedNames } }];
    }
    case 'AddGroupMembers':
      return added(live(state, command.groupId), command);
    case 'RemoveGroupMembers':
      return removed(live(state, command.groupId), command);
    case 'DeleteGroup':
      live(state, command.groupId);
      return [{ type: 'GroupDeleted', schemaVersion: 1, data: { fleet: command.fleet, groupId: command.groupId } }];
    case 'AddEnrolledDevice': {
      if (state.status !== 'active' || state.deviceIds.includes(command.deviceId)) return [];
      const { fleet, groupId, deviceId } = command;
      return [
        {
          type: 'GroupMembersChanged',
          schemaVersion: 1,
          data: { fleet, groupId, deviceIds: [...state.deviceIds, deviceId], unresolvedNames: state.unresolvedNames },
        },
      ];
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
