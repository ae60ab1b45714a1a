import { z } from 'zod';
import { DisplayName, SubjectToken } from '@keelson/events';
import { defineRequest, Page } from './kit.js';

// The gateway's static groups of devices: made from device names, kept by name until they resolve.

/** A static group as created from device names; names that matched no device are kept and reported. */
export const GroupView = z.strictObject({
  fleet: SubjectToken,
  groupId: SubjectToken,
  name: DisplayName,
  deviceIds: z.array(SubjectToken),
  unresolvedNames: z.array(DisplayName),
});
export type GroupView = z.infer<typeof GroupView>;

/** Creates a group from device names; RuleViolation (`group.name-taken`) if the name exists. */
export const createGroup = defineRequest(
  'gateway',
  'create-group',
  z.strictObject({ fleet: SubjectToken, name: DisplayName, deviceNames: z.array(DisplayName).min(1).max(10_000) }),
  GroupView,
);

/** One group by id or name; NotFound (`group.not-found`). */
export const getGroup = defineRequest(
  'gateway',
  'get-group',
  z.union([z.strictObject({ fleet: SubjectToken, groupId: SubjectToken }), z.strictObject({ fleet: SubjectToken, name: DisplayName })]),
  GroupView,
);

export const listGroups = defineRequest(
  'gateway',
  'list-groups',
  z.strictObject({ fleet: SubjectToken, ...Page }),
  z.strictObject({ items: z.array(GroupView), nextCursor: z.string().optional() }),
);

const GroupMemberNames = z.array(DisplayName).min(1).max(10_000);

/**
 * Adds devices by name or id; a name that matches no active device is kept as unresolved, and a kept
 * name that resolves now is replaced by its devices. NotFound (`group.not-found`).
 */
export const addGroupMembers = defineRequest(
  'gateway',
  'add-group-members',
  z.strictObject({ fleet: SubjectToken, groupId: SubjectToken, deviceNames: GroupMemberNames }),
  GroupView,
);

/** Removes members by device name, device id or kept unresolved name. InvalidInput (`group.not-a-member`): nothing removed. */
export const removeGroupMembers = defineRequest(
  'gateway',
  'remove-group-members',
  z.strictObject({ fleet: SubjectToken, groupId: SubjectToken, deviceNames: GroupMemberNames }),
  GroupView,
);

/** Deletes a group and answers with what it held; its name is free again. NotFound (`group.not-found`). */
export const deleteGroup = defineRequest(
  'gateway',
  'delete-group',
  z.strictObject({ fleet: SubjectToken, groupId: SubjectToken }),
  GroupView,
);
