import { fitsOneEvent, type RolloutEvent } from '@keelson/events';

/**
 * The current decider's events in the shape the reference writes (the version-1 facts): a creation's
 * target chunks inline in `RolloutCreated`, the chunks a wave's start assigns inline in `WaveStarted`,
 * and a slice the byte budget split (a chunk that was full) as one `DevicesAssigned`.
 */
export function inline(events: RolloutEvent[]): RolloutEvent[] {
  const out: RolloutEvent[] = [];
  let chunk: string[] = []; // the last chunk merged, to tell a split slice from two slices
  for (const [i, e] of events.entries()) {
    const last = out.at(-1);
    const continues = (ids: string[]) => events[i - 1]?.type === 'WaveStarted' || !fitsOneEvent([...chunk, ids[0]!]);
    if (e.type === 'RolloutTargetsAdded' && last?.type === 'RolloutCreated') {
      out[out.length - 1] = { ...last, data: { ...last.data, deviceIds: [...(last.data.deviceIds ?? []), ...e.data.deviceIds] } };
    } else if (
      e.type === 'DevicesAssigned' &&
      (last?.type === 'WaveStarted' || last?.type === 'DevicesAssigned') &&
      last.data.wave === e.data.wave &&
      continues(e.data.deviceIds)
    ) {
      out[out.length - 1] = {
        ...last,
        data: { ...last.data, deviceIds: [...(last.data.deviceIds ?? []), ...e.data.deviceIds] },
      } as RolloutEvent;
    } else {
      out.push(e.type === 'WaveStarted' ? { ...e, data: { ...e.data, deviceIds: e.data.deviceIds ?? [] } } : e);
    }
    if (e.type === 'DevicesAssigned') chunk = e.data.deviceIds;
  }
  return out;
}
