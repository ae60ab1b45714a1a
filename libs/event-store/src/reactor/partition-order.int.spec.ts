import { RuleViolation } from '@keelson/domain-kit';
import { eventually } from '@keelson/testing';
import { ReactorRunner, type Reactor, type ReactorRunnerOptions, type RecordedEvent, type StreamDeclaration } from '../index.js';
import { openCounterStore, type CounterStore } from '../test-fixtures/counter-store.js';
import { inc, type CounterEvent } from '../test-fixtures/counter.js';

const decl: StreamDeclaration = { name: 'EV_REACT_ORDER', subjects: ['ev.counter.>'], description: 'reactor order tests' };
const meta = (n: number) => ({ actor: { kind: 'operator' as const, id: 'ada' }, correlationId: 'c', commandId: `cmd-${n}` });

/** What one handled event says: `<counter id>:<by>`. */
const label = (r: RecordedEvent<CounterEvent>) => `${r.subject.split('.').at(-1)!}:${r.event.type === 'Incremented' ? r.event.data.by : 0}`;

describe('ReactorRunner keeps each partition in stream order across redeliveries', () => {
  let s: CounterStore;
  let n = 0;
  beforeAll(async () => {
    s = await openCounterStore(decl);
  });
  afterAll(() => s.nc.close());

  async function appendIn(fleet: string, id: string, ...bys: number[]): Promise<void> {
    const subject = s.store.subject('counter', fleet, id);
    let seq = (await s.store.load(subject)).lastSeq;
    for (const by of bys) seq = (await s.store.append(subject, seq, [inc(by)], meta(++n)))!.lastSeq;
  }

  function runner(
    name: string,
    handle: (r: RecordedEvent<CounterEvent>) => Promise<void>,
    more: Partial<ReactorRunnerOptions<CounterEvent>> = {},
  ): ReactorRunner<CounterEvent> {
    const reactor: Reactor<CounterEvent> = {
      name,
      stream: decl,
      filterSubjects: [`ev.counter.${name}.*`],
      parse: (raw) => raw as CounterEvent,
      handle,
    };
    return new ReactorRunner({ nc: s.nc, naming: s.naming, reactor, retryDelayMs: 50, partitionBy: (m) => m.subject, ...more });
  }

  /**
   * Runs `then` once, started by a handler about to throw: its first append takes a round trip to the
   * server, so nothing it appends is received before the runner has dealt with the failure.
   */
  function afterFailure(then: () => Promise<void>): { start(): void; done(): Promise<void> } {
    let appended: Promise<void> | undefined;
    return { start: () => void (appended ??= Promise.resolve().then(then)), done: async () => appended };
  }

  it('holds back what a failed subject receives after the failure until the failed message is handled, and no other subject waits', async () => {
    const handled: string[] = [];
    let attempts = 0;
    const otherDone = () => handled.filter((h) => h.startsWith('b:')).length === 3;
    const later = afterFailure(async () => {
      await appendIn('l', 'a', 2, 3, 4, 5);
      await appendIn('l', 'b', 1, 2, 3);
    });
    const r = runner('l', async (rec) => {
      // Failing until the other subject is done proves it is never held up by this one.
      if (label(rec) === 'a:1' && (attempts++ === 0 || !otherDone())) {
        later.start();
        throw new Error('database unavailable');
      }
      handled.push(label(rec));
    });
    await appendIn('l', 'a', 1);
    await r.start();
    await eventually(() => handled.length === 8);
    await later.done();
    await r.stop();
    expect(handled.filter((h) => h.startsWith('a:'))).toEqual(['a:1', 'a:2', 'a:3', 'a:4', 'a:5']);
    expect(attempts).toBeGreaterThan(1);
  });

  it('without partitions holds back everything behind a failed message, and lets it go once that message is terminated', async () => {
    const attempts: string[] = [];
    let appended = false;
    let poisoned = 0;
    const later = afterFailure(async () => {
      await appendIn('m', 'a', 2, 3);
      await appendIn('m', 'b', 1);
      appended = true;
    });
    const r = runner(
      'm',
      async (rec) => {
        attempts.push(label(rec));
        if (label(rec) !== 'a:1') return;
        later.start();
        if (!appended) throw new Error('database unavailable');
        throw new RuleViolation('counter.refused'); // given up on: what waits behind it must go on
      },
      { partitionBy: undefined, onPoison: () => void poisoned++ },
    );
    await appendIn('m', 'a', 1);
    await r.start();
    await eventually(() => poisoned === 1 && attempts.includes('b:1'));
    await later.done();
    await r.stop();
    expect(attempts.filter((a) => a !== 'a:1')).toEqual(['a:2', 'a:3', 'b:1']);
    expect(attempts.lastIndexOf('a:1')).toBeLessThan(attempts.indexOf('a:2'));
  });
});
