import { deepStrictEqual, AssertionError } from 'node:assert/strict';
import type { Decider } from './decider.js';
import { DomainError } from './errors.js';

/** The outcome half of a given/when/then specification. */
export interface Then<Event> {
  /** The command yields exactly these events, in order. */
  then(expected: Event[]): void;
  /** The command is refused with a DomainError of this class and stable code. */
  thenThrows(errorClass: abstract new (...args: never[]) => DomainError, code: string): void;
}

/**
 * Given/when/then for deciders, runner-agnostic (throws AssertionError on mismatch):
 * `given(rollout, [created]).when(halt).then([halted])`.
 */
export function given<Command, Event, State>(decider: Decider<Command, Event, State>, history: NoInfer<Event>[]) {
  return {
    when(command: Command): Then<Event> {
      const state = history.reduce(decider.evolve, decider.initialState());
      const run = () => decider.decide(command, state);
      return {
        then(expected) {
          deepStrictEqual(run(), expected);
        },
        thenThrows(errorClass, code) {
          let events: Event[];
          try {
            events = run();
          } catch (err) {
            if (!(err instanceof errorClass))
              throw new AssertionError({ message: `expected ${errorClass.name}, got ${String(err)}`, actual: err, expected: errorClass });
            deepStrictEqual((err as DomainError).code, code);
            return;
          }
          throw new AssertionError({ message: `expected ${errorClass.name}(${code}), got events`, actual: events, expected: code });
        },
      };
    },
  };
}
