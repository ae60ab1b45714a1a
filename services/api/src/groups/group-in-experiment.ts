import { orchestrator } from '@keelson/requests';
import { RuleViolation } from '@keelson/domain-kit';
import type { OperatorRequests } from '../http/operator-requests.js';

const pageSize = 200;

/**
 * Refuses to delete a group an unsettled experiment is built on: a promotion rolls the candidate out
 * to the group's other devices as they are then, so the group must still be there. Editing members
 * stays allowed (the arms are recorded; the follow-up takes the group as it is when promoted), and a
 * rollout keeps the device ids it resolved at creation, so neither moves under a change.
 */
export async function refuseDeletingExperimentGroup(
  requests: OperatorRequests,
  fleet: string,
  groupId: string,
  groupName: string,
): Promise<void> {
  const open: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await requests.call(orchestrator.listExperiments, { fleet, limit: pageSize, cursor });
    for (const e of page.items) {
      if (e.groupId === groupId && (e.status === 'running' || e.status === 'inconclusive' || !e.settled)) open.push(e.experimentId);
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  if (open.length > 0) {
    throw new RuleViolation(
      'group.in-experiment',
      `group '${groupName}' is the group of experiment ${open.map((e) => `'${e}'`).join(', ')}; stop or decide it first`,
    );
  }
}
