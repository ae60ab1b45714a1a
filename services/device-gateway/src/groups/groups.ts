import { InvalidInput, NotFound } from '@keelson/domain-kit';
import type { gateway } from '@keelson/requests';
import { handleCommand, type EventStore } from '@keelson/event-store';
import type { GroupEvent } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import { eventMetadataOf, type RequestContext } from '@keelson/service-kit';
import type { DeviceViews } from '../devices/device-views.js';
import { groupDecider, groupIdOf, type Group, type GroupCommand, type NamedMembers } from './group.decider.js';

type GroupView = gateway.GroupView;

interface GroupRecord {
  group_id: string;
  fleet: string;
  name: string;
  device_ids: string[];
  unresolved_names: string[];
  created_seq: string;
}

const viewOf = (r: GroupRecord): GroupView => ({
  fleet: r.fleet,
  groupId: r.group_id,
  name: r.name,
  deviceIds: r.device_ids,
  unresolvedNames: r.unresolved_names,
});

/** Creates static groups from device names and answers group queries from the read model. */
export class Groups {
  constructor(
    private readonly store: EventStore<GroupEvent>,
    private readonly devices: DeviceViews,
    private readonly db: Database,
  ) {}

  /**
   * Resolves each name to the active devices of that name (or that id) in the fleet. A name that
   * matches nothing is kept in `unresolvedNames` and returned, never dropped silently.
   */
  async create(input: { fleet: string; name: string; deviceNames: string[] }, ctx: RequestContext): Promise<GroupView> {
    const names = [...new Set(input.deviceNames)];
    const matches = await this.devices.resolveNames(input.fleet, names);
    const deviceIds: string[] = [];
    const unresolvedNames: string[] = [];
    for (const name of names) {
      const found = matches.filter((m) => m.name === name || m.deviceId === name).map((m) => m.deviceId);
      if (found.length === 0) unresolvedNames.push(name);
      for (const id of found) if (!deviceIds.includes(id)) deviceIds.push(id);
    }
    const groupId = groupIdOf(input.fleet, input.name);
    const command = { type: 'CreateGroup' as const, fleet: input.fleet, groupId, name: input.name, deviceIds, unresolvedNames };
    await handleCommand({
      store: this.store,
      subject: this.store.subject('group', input.fleet, groupId),
      decider: groupDecider,
      command,
      meta: eventMetadataOf(ctx),
    });
    return { fleet: input.fleet, groupId, name: input.name, deviceIds, unresolvedNames };
  }

  /** Adds devices by name or id (see the decider for kept unresolved names); answers with the group as it is now. */
  async addMembers(input: { fleet: string; groupId: string; deviceNames: string[] }, ctx: RequestContext): Promise<GroupView> {
    const names = await this.namedMembers(input.fleet, input.deviceNames);
    return Groups.viewOf(
      input.fleet,
      input.groupId,
      await this.edit({ type: 'AddGroupMembers', fleet: input.fleet, groupId: input.groupId, names }, ctx),
    );
  }

  /** Removes members by device name, device id or kept unresolved name; refuses, removing nothing, if one is not a member. */
  async removeMembers(input: { fleet: string; groupId: string; deviceNames: string[] }, ctx: RequestContext): Promise<GroupView> {
    const names = await this.namedMembers(input.fleet, input.deviceNames);
    return Groups.viewOf(
      input.fleet,
      input.groupId,
      await this.edit({ type: 'RemoveGroupMembers', fleet: input.fleet, groupId: input.groupId, names }, ctx),
    );
  }

  /** Deletes the group and answers with what it held; rollouts already created keep the devices they resolved. */
  async delete(input: { fleet: string; groupId: string }, ctx: RequestContext): Promise<GroupView> {
    const before = await this.get(input);
    await this.edit({ type: 'DeleteGroup', ...input }, ctx); // refused with NotFound if another delete came first
    return before;
  }

  private async namedMembers(fleet: string, deviceNames: string[]): Promise<NamedMembers[]> {
    const names = [...new Set(deviceNames)];
    const matches = await this.devices.resolveNames(fleet, names);
    return names.map((name) => ({ name, deviceIds: matches.filter((m) => m.name === name || m.deviceId === name).map((m) => m.deviceId) }));
  }

  /** Decides on the group's stream and answers with the group as the decision left it. */
  private async edit(command: Exclude<GroupCommand, { type: 'CreateGroup' }>, ctx: RequestContext): Promise<Group> {
    const { state } = await handleCommand({
      store: this.store,
      subject: this.store.subject('group', command.fleet, command.groupId),
      decider: groupDecider,
      command,
      meta: eventMetadataOf(ctx),
    });
    return state;
  }

  private static viewOf(fleet: string, groupId: string, group: Group, asked = groupId): GroupView {
    if (group.status !== 'active') throw new NotFound('group', asked);
    return { fleet, groupId, name: group.name, deviceIds: group.deviceIds, unresolvedNames: group.unresolvedNames };
  }

  /** Read from the group's own stream, so a group is visible the moment `create` returned. */
  async get(query: { fleet: string; groupId: string } | { fleet: string; name: string }): Promise<GroupView> {
    const groupId = 'groupId' in query ? query.groupId : groupIdOf(query.fleet, query.name);
    const { events } = await this.store.load(this.store.subject('group', query.fleet, groupId), 0, { latest: true });
    const group = events.reduce((s, r) => groupDecider.evolve(s, r.event), groupDecider.initialState());
    return Groups.viewOf(query.fleet, groupId, group, 'groupId' in query ? query.groupId : query.name);
  }

  async list(fleet: string, limit: number, cursor?: string): Promise<{ items: GroupView[]; nextCursor?: string }> {
    if (cursor !== undefined && !/^[1-9][0-9]{0,15}$/.test(cursor)) {
      throw new InvalidInput('request.invalid', [{ path: ['cursor'], message: 'not a cursor this query returned' }]);
    }
    const rows = await this.db.query<GroupRecord>(
      `SELECT * FROM device_groups WHERE fleet = $1 AND ($2::bigint IS NULL OR created_seq < $2) ORDER BY created_seq DESC LIMIT $3`,
      [fleet, cursor === undefined ? null : Number(cursor), limit + 1],
    );
    const items = rows.slice(0, limit).map(viewOf);
    return rows.length > limit ? { items, nextCursor: rows[limit - 1]!.created_seq.toString() } : { items };
  }
}
