import { z } from 'zod';
import { InvalidInput, RuleViolation, assertNever, type Decider } from '@keelson/domain-kit';

// A tiny aggregate for exercising the event store: a counter that may not pass its limit.
export const CounterEvent = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('Incremented'),
    schemaVersion: z.literal(1),
    data: z.strictObject({ by: z.number().int().positive() }),
  }),
  z.strictObject({ type: z.literal('LimitReached'), schemaVersion: z.literal(1), data: z.strictObject({ at: z.number().int() }) }),
]);
export type CounterEvent = z.infer<typeof CounterEvent>;

export function parseCounterEvent(raw: unknown): CounterEvent {
  const r = CounterEvent.safeParse(raw);
  if (!r.success)
    throw new InvalidInput(
      'counter.invalid',
      r.error.issues.map((i) => ({ path: i.path as (string | number)[], message: i.message })),
    );
  return r.data;
}

export type CounterCommand =
  | { type: 'Increment'; by: number; limit: number }
  /** Closes the counter once it reached `limit`; below it there is nothing to do yet. */
  | { type: 'CloseIfReached'; limit: number }
  /** Closes the counter, refused below `limit`. */
  | { type: 'Close'; limit: number };
export type Counter = { value: number; full: boolean };

const closed = (at: number): CounterEvent[] => [{ type: 'LimitReached', schemaVersion: 1, data: { at } }];

export const counter: Decider<CounterCommand, CounterEvent, Counter> = {
  initialState: () => ({ value: 0, full: false }),
  decide(cmd, s) {
    switch (cmd.type) {
      case 'Increment': {
        if (s.full) throw new RuleViolation('counter.full');
        const value = s.value + cmd.by;
        if (value > cmd.limit) throw new RuleViolation('counter.over-limit');
        return [{ type: 'Incremented', schemaVersion: 1, data: { by: cmd.by } }, ...(value === cmd.limit ? closed(value) : [])];
      }
      case 'CloseIfReached':
        return s.full || s.value < cmd.limit ? [] : closed(s.value);
      case 'Close':
        if (s.value < cmd.limit) throw new RuleViolation('counter.below-limit');
        return s.full ? [] : closed(s.value);
      default:
        return assertNever(cmd);
    }
  },
  evolve(s, e) {
    switch (e.type) {
      case 'Incremented':
        return { ...s, value: s.value + e.data.by };
      case 'LimitReached':
        return { ...s, full: true };
    }
  },
};

export const inc = (by: number): CounterEvent => ({ type: 'Incremented', schemaVersion: 1, data: { by } });
