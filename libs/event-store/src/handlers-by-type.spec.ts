import type { Sql } from '@keelson/postgres';
import { projectionHandlers, reactorHandlers, type RecordedEvent } from './index.js';
import { inc, type CounterEvent } from './test-fixtures/counter.js';

const recorded = (event: CounterEvent, seq = 1): RecordedEvent<CounterEvent> => ({
  event,
  seq,
  subject: 'ev.counter.f.c',
  time: new Date(0),
  meta: { actor: { kind: 'operator', id: 'ada' }, correlationId: 'c', commandId: 'x' },
});
const limit: CounterEvent = { type: 'LimitReached', schemaVersion: 1, data: { at: 3 } };

describe("a consumer's handled types, read from its handlers", () => {
  it('lists exactly the types that have a handler, and hands each event to its own', async () => {
    const seen: string[] = [];
    const r = reactorHandlers<CounterEvent>({
      Incremented: async ({ event }) => void seen.push(`by ${event.data.by}`),
      LimitReached: async ({ event, seq }) => void seen.push(`at ${event.data.at} (#${seq})`),
    });
    expect([...r.handles].sort()).toEqual(['Incremented', 'LimitReached']);
    await r.handle(recorded(inc(2)));
    await r.handle(recorded(limit, 7));
    expect(seen).toEqual(['by 2', 'at 3 (#7)']);
  });

  it('does not list a type it does not handle, and passes such an event over', async () => {
    const seen: number[] = [];
    const r = reactorHandlers<CounterEvent>({ Incremented: async ({ event }) => void seen.push(event.data.by), LimitReached: undefined });
    expect(r.handles).toEqual(['Incremented']);
    await r.handle(recorded(limit));
    expect(seen).toEqual([]);
  });

  it("gives a projection's handlers the transaction first", async () => {
    const sql = {} as Sql; // handed through untouched: only its identity is checked
    const got: [Sql, number][] = [];
    const p = projectionHandlers<CounterEvent>({ Incremented: async (tx, { event }) => void got.push([tx, event.data.by]) });
    expect(p.handles).toEqual(['Incremented']);
    await p.apply(sql, recorded(inc(5)));
    expect(got).toEqual([[sql, 5]]);
  });

  it('accepts only the types of the consumer’s event union (checked by the compiler)', () => {
    // @ts-expect-error: not a CounterEvent type
    const r = reactorHandlers<CounterEvent>({ Decremented: async () => undefined });
    expect(r.handles).toEqual(['Decremented']);
  });
});
