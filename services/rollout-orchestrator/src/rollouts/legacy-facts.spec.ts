import { fold } from '@keelson/domain-kit';
import { deviceTimeoutSecondsOf } from '@keelson/events';
import { at, created, outcome, rolloutId, strategy, tenDevices, waveStarted } from '../test-fixtures/rollout-history.js';
import { dueTimeouts } from './in-flight-due.js';
import { upgradedRollout } from './legacy-facts.js';
import { rolloutDocument, rolloutFromDocument, type RolloutDocument } from './rollout-document.js';
import { rolloutDecider, type LiveRollout } from './rollout.decider.js';
import { orderDevices } from './wave-plan.js';

const order = orderDevices(rolloutId, tenDevices);

describe('rollout documents written before the in-flight facts', () => {
  const current = rolloutDocument(fold(rolloutDecider, [...created(strategy([[10, 'auto'], [50, 'auto'], [100, 'auto']])), ...waveStarted(0, [order[0]!]), outcome(order[0]!, 'healthy'), ...waveStarted(1, order.slice(1, 5))])) as Exclude<RolloutDocument, { status: 'absent' }>;
  // what the read model stored then: no clocks, reachability, timeouts, late reports or finished count
  const { clocks: _c, reachability: _r, timedOut: _t, lateReports: _l, acknowledgedFinished: _a, ...oldFacts } = current.facts;
  const old = { ...current, facts: oldFacts } as unknown as RolloutDocument;

  it('count the devices the started waves cover as assigned, their clocks running from the creation', () => {
    const upgraded = upgradedRollout(old) as Exclude<RolloutDocument, { status: 'absent' }>;
    expect(Object.keys(upgraded.facts.clocks)).toEqual(order.slice(0, 5));
    expect(upgraded.facts.clocks[order[1]!]).toEqual({ spentMs: 0, runningSince: at });
    expect(upgraded.facts).toMatchObject({ reachability: {}, timedOut: [], lateReports: [], acknowledgedFinished: 0 });
    const late = new Date(Date.parse(at) + deviceTimeoutSecondsOf(upgraded.facts.strategy) * 1000);
    expect(dueTimeouts(rolloutFromDocument(upgraded) as LiveRollout, late)).toEqual(order.slice(0, 5).filter((d) => !upgraded.facts.outcomes[d]));
  });

  it('leave a current document as it is', () => {
    expect(upgradedRollout(current)).toBe(current);
  });
});
