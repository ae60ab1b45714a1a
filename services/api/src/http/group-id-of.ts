import { gateway } from '@keelson/requests';
import { InvalidInput, NotFound } from '@keelson/domain-kit';
import { findByIdOrName } from './by-id-or-name.js';
import type { OperatorRequests } from './operator-requests.js';

/**
 * The id of a group a request names by id or name. An unknown group is bad input of that request
 * (400 `group.not-found`), not a missing route resource (404).
 */
export async function groupIdOf(requests: OperatorRequests, fleet: string, group: string): Promise<string> {
  try {
    const view = await findByIdOrName(
      group,
      (groupId) => requests.call(gateway.getGroup, { fleet, groupId }),
      (name) => requests.call(gateway.getGroup, { fleet, name }),
    );
    return view.groupId;
  } catch (err) {
    if (err instanceof NotFound)
      throw new InvalidInput('group.not-found', [{ path: ['group'], message: `no group '${group}' in fleet '${fleet}'` }]);
    throw err;
  }
}
