import { z } from 'zod';
import { gateway } from '@keelson/requests';
import { DisplayName } from '@keelson/events';

/** `POST /v1/groups`: a static group from device names; names that match no device are reported back. */
export const CreateGroupRequest = z.strictObject({
  name: DisplayName,
  devices: z.array(DisplayName).min(1).max(10_000),
});

/** A group by id, or by name when no group has that id. */
export const GroupParams = z.object({ idOrName: DisplayName });
export const GroupView = gateway.GroupView;
export const GroupList = gateway.listGroups.output;

/** `POST` or `DELETE /v1/groups/{idOrName}/members`: device names or ids (or, to remove, a kept unresolved name). */
export const GroupMembersRequest = z.strictObject({
  devices: z.array(DisplayName).min(1).max(10_000),
});
