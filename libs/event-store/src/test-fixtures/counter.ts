import { z } from 'zod';
import { InvalidInput, RuleViolation, type Decider } from '@keelson/domain-kit';

// A tiny aggregate for exercising the event store: a counter that may not pass its limit.
export const CounterEvent = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('Incremented'), schemaVersion: z.literal(1), data: z.strictObject({ by: z.number().int().positive() }) }),
  z.strictObject({ type: z.literal('LimitReached'), schemaVersion: z.literal(1), data: z.strictObject({ at: z.number().int() }) }),
]);
export type CounterEvent = z.infer<typeof CounterEvent>;

export function parseCounterEvent(raw: unknown): CounterEvent {
  const r = CounterEvent.safeParse(raw);
  if (!r.success) throw new InvalidInput('counter.invalid', r.error.issues.map((i) => ({ path: i.path as (string | number)[], message: i.message })));
  return r.data;
}

export type CounterCommand = { type: 'Increment'; by: number; limit: number };
export type Counter = { value: number; full: boolean };

export const counter: Decider<CounterCommand, CounterEvent, Counter> = {
  initialState: () => ({ value: 0, full: false }),
  decide(cmd, s) {
    if (s.full) throw new RuleViolation('counter.full');
    const value = s.value + cmd.by;
    if (value > cmd.limit) throw new RuleViolation('counter.over-limit');
    const events: CounterEvent[] = [{ type: 'Incremented', schemaVersion: 1, data: { by: cmd.by } }];
    if (value === cmd.limit) events.push({ type: 'LimitReached', schemaVersion: 1, data: { at: value } });
    return events;
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
