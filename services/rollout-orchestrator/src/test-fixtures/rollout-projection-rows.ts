import { DomainError } from '@keelson/domain-kit';
import type { RolloutEvent } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import { assignedDevices, rolloutDecider } from '../rollouts/domain/rollout.decider.js';
import { RandomRolloutCommands, seeded } from './random-rollout-commands.js';

/** The read-model tables of the rollout views and claims projections. */
export const rolloutProjectionTables = [
  'rollout_views',
  'rollout_view_waves',
  'rollout_view_devices',
  'rollout_claims',
  'rollout_claim_artifacts',
];

/** A random history of two rollouts of one artifact (the second takes devices over), with repeated outcomes. */
export function twoRolloutHistory(seed: number, commandsPerRollout = 120): RolloutEvent[] {
  const random = seeded(seed);
  const events: RolloutEvent[] = [];
  for (const rolloutId of [`r-seed${seed}-a`, `r-seed${seed}-b`]) {
    const commands = new RandomRolloutCommands(random, 12);
    let state = rolloutDecider.initialState();
    for (let i = 0; i <= commandsPerRollout; i++) {
      const command =
        i === 0 ? commands.create(commands.strategy()) : commands.next(state.status === 'absent' ? [] : assignedDevices(state.facts));
      let decided: RolloutEvent[] = [];
      try {
        decided = rolloutDecider.decide(command, state);
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
      }
      state = decided.reduce(rolloutDecider.evolve, state);
      events.push(...decided.map((e) => ({ ...e, data: { ...e.data, rolloutId } }) as RolloutEvent));
    }
  }
  // A second outcome of a device (never decided, but a projection must keep the first either way).
  const outcomes = events.filter((e) => e.type === 'DeviceOutcomeRecorded');
  for (const e of outcomes.filter((_, i) => i % 3 === 0)) {
    const at = events.indexOf(e) + 1 + Math.floor(random() * 4);
    events.splice(at, 0, { ...e, data: { ...e.data, state: e.data.state === 'healthy' ? 'failed' : 'healthy', reason: 'repeated' } });
  }
  return events;
}

/** `events` as another fleet's. */
export const inFleet = (events: RolloutEvent[], fleet: string): RolloutEvent[] =>
  events.map((e) => ({ ...e, data: { ...e.data, fleet } }) as RolloutEvent);

/** Every row of the fleet in those tables, without the fleet, in a fixed order. */
export async function projectionRowsOf(db: Database, fleet: string): Promise<Record<string, unknown[]>> {
  const rows: Record<string, unknown[]> = {};
  for (const table of rolloutProjectionTables) {
    const found = await db.query<Record<string, unknown>>(`SELECT * FROM ${table} WHERE fleet = $1`, [fleet]);
    rows[table] = found.map(({ fleet: _, ...rest }) => JSON.stringify(rest).replaceAll(`"${fleet}"`, '"<fleet>"')).sort(); // the view row names its fleet
  }
  return rows;
}
