import { z } from 'zod';
import { defineMessage } from '../kit/define-message.js';
import { MessageRegistry, readersOf } from '../kit/registry.js';
import { DeviceIds, DisplayName, SubjectToken } from '../kit/tokens.js';

const group = { fleet: SubjectToken, groupId: SubjectToken };

// Spec (Rollouts): groups are made from device names, and names that do not resolve are reported
// back rather than silently dropped, so the event keeps them beside the resolved ids.
const members = { deviceIds: DeviceIds, unresolvedNames: z.array(DisplayName) };

/** A static group of devices was created from device names. */
export const GroupCreated = defineMessage('GroupCreated', 1, { ...group, name: DisplayName, ...members });
export type GroupCreated = z.infer<typeof GroupCreated>;

/** The group's members were replaced; the lists are the whole new membership, not a difference. */
export const GroupMembersChanged = defineMessage('GroupMembersChanged', 1, { ...group, ...members });
export type GroupMembersChanged = z.infer<typeof GroupMembersChanged>;

/** The group is gone; rollouts already created keep the device ids they resolved from it. */
export const GroupDeleted = defineMessage('GroupDeleted', 1, group);
export type GroupDeleted = z.infer<typeof GroupDeleted>;

/** Any event of the group aggregate (`ev.group.<fleet>.<groupId>`), latest versions only. */
export type GroupEvent = GroupCreated | GroupMembersChanged | GroupDeleted;

/** Reads every version of every group event. */
export const groupEvents = new MessageRegistry<GroupEvent>([
  readersOf(GroupCreated),
  readersOf(GroupMembersChanged),
  readersOf(GroupDeleted),
]);

/** Parses a group event at the boundary; throws `InvalidInput` (`message.*`). */
export function parseGroupEvent(raw: unknown): GroupEvent {
  return groupEvents.parse(raw);
}
