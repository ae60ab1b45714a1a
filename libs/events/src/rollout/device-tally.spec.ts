import {
  counted,
  emptyTally,
  getsRevert,
  isUnfinished,
  isUnreachableInFlight,
  revertOutcomeOf,
  standingOf,
  takesOutcome,
  withReport,
  type TalliedRecord,
} from './device-tally.js';

const clock = { spentMs: 0, runningSince: '2026-11-23T08:00:00.000Z' };
const assigned: TalliedRecord = { clock };
const timedOut: TalliedRecord = { clock, outcome: { state: 'failed' }, timedOutOrder: 0 };
const silent = (r: TalliedRecord): TalliedRecord => ({ ...r, reachability: { reachable: false } });

describe('the tally rules of a rollout', () => {
  it('puts a device where its recorded outcome says first, then excluded, assigned or pending', () => {
    expect(standingOf({})).toBe('pending');
    expect(standingOf(assigned)).toBe('inFlight');
    expect(standingOf(silent(assigned))).toBe('inFlight');
    expect(standingOf({ ...assigned, outcome: { state: 'healthy' } })).toBe('healthy');
    expect(standingOf({ ...assigned, outcome: { state: 'rolled_back' } })).toBe('failed');
    expect(standingOf(timedOut)).toBe('failed');
    expect(standingOf({ ...assigned, excludedOrder: 0 })).toBe('excluded');
    expect(standingOf({ excludedOrder: 0 })).toBe('excluded');
    // held by the rollout, pending or in flight, until it has an outcome or leaves
    expect([{}, assigned, timedOut, { excludedOrder: 0 }].map(isUnfinished)).toEqual([true, true, false, false]);
  });

  it('counts a device unreachable only while its update is in flight: not before its assignment, not once it ended', () => {
    expect(isUnreachableInFlight(silent(assigned))).toBe(true);
    expect(isUnreachableInFlight(silent({}))).toBe(false); // the rollout notes a pending device silent too
    expect(isUnreachableInFlight(silent({ ...assigned, outcome: { state: 'healthy' } }))).toBe(false); // noted during a revert
    expect(isUnreachableInFlight(silent({ ...assigned, excludedOrder: 0 }))).toBe(false);
  });

  it('takes a report in as the orchestrator will record it: its outcome, unless the device has one, left, or timed out', () => {
    expect(standingOf(withReport({}, 'downloading'))).toBe('inFlight'); // a report means it was assigned
    expect(withReport(assigned, 'rolled_back').outcome).toEqual({ state: 'rolled_back' });
    expect(withReport(assigned, 'applying').outcome).toBeUndefined();
    expect(withReport({ ...assigned, outcome: { state: 'healthy' } }, 'failed').outcome).toEqual({ state: 'healthy' });
    expect(standingOf(withReport({ ...assigned, excludedOrder: 0 }, 'healthy'))).toBe('excluded');
    // a late report after the timeout is evidence only: the device stays failed
    expect(standingOf(withReport(timedOut, 'healthy'))).toBe('failed');
    expect(withReport(assigned, undefined)).toBe(assigned);
    // the orchestrator's rule: assigned, live, without an outcome and not timed out
    expect([assigned, {}, timedOut, { ...assigned, timedOutOrder: 0 }, { ...assigned, excludedOrder: 0 }].map(takesOutcome)).toEqual([
      true,
      false,
      false,
      false,
      false,
    ]);
  });

  it('reverts the assigned devices still targeted, and ends a revert by its report, else by its timeout', () => {
    expect([assigned, timedOut, {}, { ...assigned, excludedOrder: 0 }].map(getsRevert)).toEqual([true, true, false, false]);
    expect(revertOutcomeOf(undefined, false)).toBeUndefined();
    expect(revertOutcomeOf('applying', false)).toBeUndefined();
    expect(revertOutcomeOf('applying', true)).toBe('failed');
    expect(revertOutcomeOf('healthy', true)).toBe('healthy'); // reported after the timeout after all
    expect(revertOutcomeOf('rolled_back', false)).toBe('rolled_back');
  });

  it('keeps running counts: a change takes the old record out and puts the new one in', () => {
    const tally = emptyTally();
    const records: [boolean, TalliedRecord][] = [
      [true, assigned],
      [true, silent(assigned)],
      [true, timedOut],
      [true, { ...assigned, excludedOrder: 0 }],
      [true, {}],
      [false, { outcome: { state: 'healthy' }, lateReportOrder: 0 }], // not a target (yet): only the rollout-wide lists count it
    ];
    for (const [member, r] of records) counted(tally, member, r, 1);
    expect(tally).toEqual({
      outcomes: 2,
      failures: 1,
      live: 4,
      liveUnfinished: 3,
      liveUnhealthy: 1,
      waitedFor: 1,
      excluded: 1,
      timedOut: 1,
      lateReports: 1,
      revertTimedOut: 0,
    });
    for (const [member, r] of records) counted(tally, member, r, -1);
    expect(tally).toEqual(emptyTally());
  });
});
