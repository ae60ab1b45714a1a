import { DomainError } from '@keelson/domain-kit';
import type { RolloutEvent } from '@keelson/events';
import { orchestrator } from '@keelson/requests';
import { RandomRolloutCommands, seeded } from '../../test-fixtures/random-rollout-commands.js';
import { rolloutDecider, assignedDevices, type LiveRollout, type Rollout } from '../domain/rollout.decider.js';
import type { RolloutPhase } from '../domain/rollout-phase.js';
import { phaseColumns, phaseOfRow } from './rollout-view-row.js';
import { applyToView, createdView, type ViewState } from './rollout-view.evolve.js';
import { rolloutView, viewOfRows } from './rollout-view.js';

/** A random history of one rollout, with the aggregate's state after each event. */
function randomHistory(seed: number, devices: number): { events: RolloutEvent[]; states: LiveRollout[] } {
  const commands = new RandomRolloutCommands(seeded(seed), devices);
  let state: Rollout = rolloutDecider.initialState();
  const events: RolloutEvent[] = [];
  const states: LiveRollout[] = [];
  for (let i = 0; i <= 80; i++) {
    const command =
      i === 0 ? commands.create(commands.strategy()) : commands.next(state.status === 'absent' ? [] : assignedDevices(state.facts));
    try {
      for (const e of rolloutDecider.decide(command, state)) {
        state = rolloutDecider.evolve(state, e);
        events.push(e);
        states.push(state as LiveRollout);
      }
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
    }
  }
  return { events, states };
}

const shown = (view: ViewState) => {
  const listed = [...view.devices.values()].sort((a, b) => a.position - b.position).slice(0, orchestrator.maxViewDevices);
  return viewOfRows(view.row, view.waves, listed, { progress: new Map(), reverts: new Map() });
};

describe('the rollout view rows, folded in memory as the projection folds them', () => {
  it('show what the aggregate shows after every event of random histories (phases, waves, device rows)', () => {
    let compared = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const { events, states } = randomHistory(seed, 1 + (seed % 13));
      let view: ViewState | undefined;
      events.forEach((event, i) => {
        if (view) applyToView(view, event, i + 1);
        else if (event.type === 'RolloutCreated') view = createdView(event, i + 1);
        const state = states[i]!;
        if (view!.devices.size < view!.row.deviceCount) return; // its targets are still coming
        expect(shown(view!)).toEqual(rolloutView(state, new Map()));
        compared++;
      });
    }
    expect(compared).toBeGreaterThan(400);
  });

  it('reads back every phase it writes', () => {
    const phases: RolloutPhase[] = [
      { status: 'running' },
      { status: 'awaiting-approval', wave: 2 },
      { status: 'halted', reason: 'too many failures', automatic: true, haltedAt: '2026-11-23T09:00:00.000Z' },
      { status: 'aborted', mode: 'revert', abortedAt: '2026-11-23T09:01:00.000Z' },
      { status: 'finished', outcome: 'failed', finishedAt: '2026-11-23T09:02:00.000Z' },
    ];
    for (const phase of phases) {
      const row = { ...phaseColumns(phase, 3) } as Parameters<typeof phaseOfRow>[0];
      expect(phaseOfRow(row)).toEqual(phase);
    }
  });
});
