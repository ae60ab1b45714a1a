import { eventStreams, type Projection } from '@keelson/event-store';
import { parseGroupEvent, type GroupEvent } from '@keelson/events';
import type { Migration } from '@keelson/postgres';

export const groupsMigrations: Migration[] = [
  {
    id: 'device-gateway-groups-0001',
    sql: `CREATE TABLE IF NOT EXISTS device_groups (
      group_id text PRIMARY KEY,
      fleet text NOT NULL,
      name text NOT NULL,
      device_ids jsonb NOT NULL,
      unresolved_names jsonb NOT NULL,
      created_seq bigint NOT NULL,
      last_seq bigint NOT NULL
    );
    CREATE INDEX IF NOT EXISTS device_groups_fleet_seq ON device_groups (fleet, created_seq DESC);
    CREATE INDEX IF NOT EXISTS device_groups_fleet_name ON device_groups (fleet, name)`,
  },
];

/** The `device_groups` read model: live groups only; a deleted group's row goes. */
export const groupsProjection: Projection<GroupEvent> = {
  name: 'gateway-groups',
  stream: eventStreams.gateway,
  filterSubjects: ['ev.group.>'],
  parse: parseGroupEvent,
  async apply(sql, { event, seq }) {
    switch (event.type) {
      case 'GroupCreated': {
        const { fleet, groupId, name, deviceIds, unresolvedNames } = event.data;
        await sql.query(
          `INSERT INTO device_groups (group_id, fleet, name, device_ids, unresolved_names, created_seq, last_seq) VALUES ($1, $2, $3, $4, $5, $6, $6)
           ON CONFLICT (group_id) DO UPDATE SET name = EXCLUDED.name, device_ids = EXCLUDED.device_ids, unresolved_names = EXCLUDED.unresolved_names,
             created_seq = EXCLUDED.created_seq, last_seq = EXCLUDED.last_seq
           WHERE device_groups.last_seq < EXCLUDED.last_seq`,
          [groupId, fleet, name, JSON.stringify(deviceIds), JSON.stringify(unresolvedNames), seq],
        );
        return;
      }
      case 'GroupMembersChanged':
        await sql.query(
          `UPDATE device_groups SET device_ids = $2, unresolved_names = $3, last_seq = $4 WHERE group_id = $1 AND last_seq < $4`,
          [event.data.groupId, JSON.stringify(event.data.deviceIds), JSON.stringify(event.data.unresolvedNames), seq],
        );
        return;
      case 'GroupDeleted':
        await sql.query(`DELETE FROM device_groups WHERE group_id = $1 AND last_seq < $2`, [event.data.groupId, seq]);
    }
  },
};
