import { ReactorRunner, type Reactor, type ReactorRunnerOptions, type RecordedEvent, type StreamDeclaration } from '../index.js';
import { inc, type CounterEvent } from './counter.js';
import { openCounterStore, type CounterStore } from './counter-store.js';

/** The stream the reactor runner specs append counter events to. */
export const reactorStream: StreamDeclaration = { name: 'EV_REACT', subjects: ['ev.counter.>'], description: 'reactor tests' };

const meta = (n: number) => ({ actor: { kind: 'operator' as const, id: 'ada' }, correlationId: 'c', commandId: `cmd-${n}` });

/** The increment an event carries (0 for any other event). */
export const byOf = (r: RecordedEvent<CounterEvent>): number => (r.event.type === 'Incremented' ? r.event.data.by : 0);

/**
 * A counter store under fresh names for one spec file, with the reactor specs' vocabulary: append
 * increments to a subject, build a runner partitioned by subject, count the pulls a runner sends.
 */
export class ReactorTestbed {
  private n = 0;

  private constructor(readonly s: CounterStore) {}

  static async create(): Promise<ReactorTestbed> {
    return new ReactorTestbed(await openCounterStore(reactorStream));
  }

  close(): Promise<void> {
    return this.s.nc.close();
  }

  /** Appends one increment per `by` to `ev.counter.f.<id>`. */
  appendAll = (id: string, ...bys: number[]): Promise<void> => this.appendIn('f', id, ...bys);

  appendIn = async (fleet: string, id: string, ...bys: number[]): Promise<void> => {
    const { store } = this.s;
    const subject = store.subject('counter', fleet, id);
    let seq = (await store.load(subject)).lastSeq;
    for (const by of bys) seq = (await store.append(subject, seq, [inc(by)], meta(++this.n)))!.lastSeq;
  };

  /** A runner of reactor `name` over `filter` (by default its own subject in fleet `f`), partitioned by subject. */
  runner = (
    name: string,
    handle: (r: RecordedEvent<CounterEvent>) => Promise<void>,
    onPoison?: () => void,
    filter = `ev.counter.f.${name}`,
    more: Partial<ReactorRunnerOptions<CounterEvent>> = {},
  ): ReactorRunner<CounterEvent> => {
    const reactor: Reactor<CounterEvent> = {
      name,
      stream: reactorStream,
      filterSubjects: [filter],
      parse: (raw) => raw as CounterEvent,
      handle,
    };
    return new ReactorRunner({
      nc: this.s.nc,
      naming: this.s.naming,
      reactor,
      retryDelayMs: 50,
      onPoison,
      partitionBy: (m) => m.subject,
      ...more,
    });
  };

  /** Counts the pull requests a runner sends (nats.js `fetch`/`consume` publish them on this subject). */
  countPulls = (r: ReactorRunner<CounterEvent>): { count(): number; stop(): void } => {
    let pulls = 0;
    const sub = this.s.nc.subscribe(`$JS.API.CONSUMER.MSG.NEXT.${this.s.streamName}.${r.consumerName}`, { callback: () => void pulls++ });
    return { count: () => pulls, stop: () => sub.unsubscribe() };
  };
}
