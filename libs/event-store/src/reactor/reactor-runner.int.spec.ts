import { RuleViolation } from '@keelson/domain-kit';
import { ReactorRunner, type Reactor, type RecordedEvent, type StreamDeclaration } from '../index.js';
import { openCounterStore, type CounterStore } from '../test-fixtures/counter-store.js';
import { inc, type CounterEvent } from '../test-fixtures/counter.js';

const decl: StreamDeclaration = { name: 'EV_REACT', subjects: ['ev.counter.>'], description: 'reactor tests' };
const meta = (n: number) => ({ actor: { kind: 'operator' as const, id: 'ada' }, correlationId: 'c', commandId: `cmd-${n}` });

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ReactorRunner against real NATS', () => {
  let s: CounterStore;
  let n = 0;
  beforeAll(async () => {
    s = await openCounterStore(decl);
  });
  afterAll(() => s.nc.close());

  async function appendAll(id: string, ...bys: number[]): Promise<void> {
    let seq = 0;
    const subject = s.store.subject('counter', 'f', id);
    for (const by of bys) seq = (await s.store.append(subject, seq, [inc(by)], meta(++n)))!.lastSeq;
  }

  function runner(name: string, handle: (r: RecordedEvent<CounterEvent>) => Promise<void>, onPoison?: () => void): ReactorRunner<CounterEvent> {
    const reactor: Reactor<CounterEvent> = { name, stream: decl, filterSubjects: [`ev.counter.f.${name}`], parse: (raw) => raw as CounterEvent, handle };
    return new ReactorRunner({ nc: s.nc, naming: s.naming, reactor, retryDelayMs: 50, onPoison });
  }

  it('hands every event over in order, and a restart resumes after the last acknowledged one', async () => {
    const seen: number[] = [];
    const first = runner('a', async (r) => void seen.push(r.event.type === 'Incremented' ? r.event.data.by : 0));
    await appendAll('a', 1, 2, 3);
    await first.start();
    await until(() => seen.length === 3);
    await first.stop();
    const second = runner('a', async (r) => void seen.push(r.event.type === 'Incremented' ? r.event.data.by : 0));
    await second.start();
    await new Promise((r) => setTimeout(r, 300));
    await second.stop();
    expect(seen.slice(0, 3)).toEqual([1, 2, 3]);
    expect(seen.length).toBe(3); // nothing handed over twice
  });

  it('retries an infrastructure failure in order, and terminates a message the domain refuses', async () => {
    const seen: number[] = [];
    let failures = 2;
    let poisoned = 0;
    const r = runner(
      'b',
      async (rec) => {
        const by = rec.event.type === 'Incremented' ? rec.event.data.by : 0;
        if (by === 2 && failures-- > 0) throw new Error('database unavailable');
        if (by === 3) throw new RuleViolation('counter.refused');
        seen.push(by);
      },
      () => poisoned++,
    );
    await appendAll('b', 1, 2, 3, 4);
    await r.start();
    await until(() => seen.length === 3);
    await r.stop();
    expect(seen).toEqual([1, 2, 4]);
    expect(poisoned).toBe(1);
  });
});
