import { DomainError } from '@keelson/domain-kit';
import type { RolloutEvent } from '@keelson/events';
import { RandomRolloutCommands, seeded } from '../../test-fixtures/random-rollout-commands.js';
import { at, fleet, rolloutId } from '../../test-fixtures/rollout-history.js';
import { inline } from '../../test-fixtures/reference-rollout/inline-chunks.js';
import * as reference from '../../test-fixtures/reference-rollout/rollout.decide.js';
import * as referenceState from '../../test-fixtures/reference-rollout/rollout.evolve.js';
import { rolloutDocument } from '../../test-fixtures/rollout-document.js';
import { assignedDevices, rolloutDecider, type LiveRollout, type Rollout, type RolloutCommand } from './rollout.decider.js';

type ReferenceRollout = referenceState.Rollout;

/** The events a decider answers a command with, or the refusal's class and code. */
function answer(decide: () => RolloutEvent[]): RolloutEvent[] | { refused: string; code: string } {
  try {
    return decide();
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return { refused: err.constructor.name, code: err.code };
  }
}

const evolveAll = <S>(evolve: (s: S, e: RolloutEvent) => S, state: S, events: RolloutEvent[]) => events.reduce(evolve, state);

/** Runs one command through both deciders from matching states; both must answer alike and fold alike (ours: the decision's own fold). */
function step(
  command: RolloutCommand,
  state: Rollout,
  old: ReferenceRollout,
  compareStates = true,
): { state: Rollout; old: ReferenceRollout; events: RolloutEvent[] } {
  const mine = answer(() => rolloutDecider.decide(command, state));
  const theirs = answer(() => reference.decide(command, old));
  expect(Array.isArray(mine) ? inline(mine) : mine).toEqual(theirs);
  const events = Array.isArray(mine) ? mine : [];
  // the state the store keeps is the decision's own fold: the same as folding its events
  const decided = Array.isArray(mine) ? rolloutDecider.decideAndEvolve!(command, state) : { events, state };
  expect(decided.events).toEqual(events);
  const next = { state: decided.state, old: evolveAll(referenceState.evolve, old, Array.isArray(theirs) ? theirs : []), events };
  if (compareStates) {
    expect(rolloutDocument(next.state)).toEqual(next.old);
    expect(rolloutDocument(next.state)).toEqual(rolloutDocument(evolveAll(rolloutDecider.evolve, state, events)));
  }
  return next;
}

describe('the rollout fold with a device ledger', () => {
  it('decides exactly as the straightforward fold did, over random histories, and keeps every earlier state intact', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const random = seeded(seed);
      const commands = new RandomRolloutCommands(random, 1 + Math.floor(random() * 40));
      let current = step(commands.create(commands.strategy()), rolloutDecider.initialState(), referenceState.initialState());
      const versions = [current];
      for (let i = 0, afterEnd = 0; i < 250 && afterEnd < 10; i++) {
        if (current.state.status === 'finished' || current.state.status === 'aborted') afterEnd++;
        const assigned = current.state.status === 'absent' ? [] : assignedDevices(current.state.facts);
        // now and then a decision from an earlier state, then dropped: a retry after a lost append race
        if (random() < 0.15) {
          const earlier = versions[Math.floor(random() * versions.length)]!;
          step(commands.next(assigned), earlier.state, earlier.old);
        }
        current = step(commands.next(assigned), current.state, current.old);
        versions.push(current);
      }
      for (const v of versions) expect(rolloutDocument(v.state)).toEqual(v.old);
    }
  });

  it('decides exactly as the straightforward fold did over a whole rollout of 800 devices, throttled and gated', () => {
    const commands = new RandomRolloutCommands(seeded(7), 800);
    const strategy = {
      waves: [
        { percent: 1, gate: 'auto' as const },
        { percent: 30, gate: 'manual' as const },
        { percent: 100, gate: 'auto' as const },
      ],
      maxFailures: 50,
      maxConcurrent: 300,
    };
    let current = step(commands.create(strategy), rolloutDecider.initialState(), referenceState.initialState());
    const reported = new Set<string>();
    for (let guard = 0; guard < 10_000 && current.state.status !== 'finished'; guard++) {
      const next =
        current.state.status === 'awaiting-approval'
          ? undefined
          : assignedDevices((current.state as LiveRollout).facts).find((d) => !reported.has(d));
      const deviceId = next ?? 'none';
      reported.add(deviceId);
      const command: RolloutCommand = next
        ? {
            type: 'RecordDeviceOutcome',
            fleet,
            rolloutId,
            at,
            deviceId,
            assignmentId: `${rolloutId}-${deviceId}`,
            state: guard % 97 === 0 ? 'failed' : 'healthy',
          }
        : { type: 'ApproveWave', fleet, rolloutId, at };
      current = step(command, current.state, current.old, guard % 200 === 0);
    }
    expect(rolloutDocument(current.state)).toEqual(current.old);
    expect(current.state).toMatchObject({ status: 'finished', outcome: 'failed' });
  });
});
