import { AssertionError } from 'node:assert/strict';
import { given } from './given-when-then.js';
import { RuleViolation, NotFound } from './errors.js';
import type { Decider } from './decider.js';

type Cmd = { type: 'Open' } | { type: 'Close' };
type Ev = { type: 'Opened' } | { type: 'Closed' };
type State = { open: boolean; known: boolean };

const door: Decider<Cmd, Ev, State> = {
  initialState: () => ({ open: false, known: false }),
  decide: (cmd, s) => {
    if (cmd.type === 'Open') {
      if (s.open) return [];
      return [{ type: 'Opened' }];
    }
    if (!s.known) throw new RuleViolation('door.never-opened');
    return s.open ? [{ type: 'Closed' }] : [];
  },
  evolve: (s, e) => ({ known: true, open: e.type === 'Opened' }),
};

describe('given/when/then', () => {
  it('passes when the decider yields the expected events', () => {
    expect(() =>
      given(door, [])
        .when({ type: 'Open' })
        .then([{ type: 'Opened' }]),
    ).not.toThrow();
  });

  it('folds the history before deciding', () => {
    expect(() =>
      given(door, [{ type: 'Opened' }])
        .when({ type: 'Open' })
        .then([]),
    ).not.toThrow();
  });

  it('fails when the events differ', () => {
    expect(() => given(door, []).when({ type: 'Open' }).then([])).toThrow(AssertionError);
  });

  it('checks the error class and its stable code', () => {
    expect(() => given(door, []).when({ type: 'Close' }).thenThrows(RuleViolation, 'door.never-opened')).not.toThrow();
    expect(() => given(door, []).when({ type: 'Close' }).thenThrows(RuleViolation, 'other.code')).toThrow(AssertionError);
    expect(() => given(door, []).when({ type: 'Close' }).thenThrows(NotFound, 'door.never-opened')).toThrow(AssertionError);
  });

  it('fails when events are produced where an error was expected', () => {
    expect(() => given(door, []).when({ type: 'Open' }).thenThrows(RuleViolation, 'x')).toThrow(AssertionError);
  });
});
