import type { JetStreamManager } from '@nats-io/jetstream';
import { openDatabase, type Database } from '@keelson/postgres';
import { createTestDatabase, eventually, type TestDatabase } from '@keelson/testing';
import {
  EventStore,
  ProjectionRunner,
  ReactorRunner,
  readCheckpoint,
  type EventMetadata,
  type HandledTypes,
  type Projection,
  type Reactor,
  type RecordedEvent,
  type StreamDeclaration,
} from './index.js';
import { inc, parseCounterEvent, type CounterEvent } from './test-fixtures/counter.js';
import { openCounterStore, type CounterStore } from './test-fixtures/counter-store.js';

// typed-subjects: a consumer that handles some types of a typed aggregate is delivered those and the
// untyped events stored before typed subjects, nothing else; a durable consumer made with the whole
// stream as its filter is narrowed at its next start and resumes where it was.
const decl: StreamDeclaration = {
  name: 'EV_TYPED_CONS',
  subjects: ['ev.counter.>'],
  description: 'typed consumer tests',
  typedAggregates: ['counter'],
};
const closed = (at: number): CounterEvent => ({ type: 'LimitReached', schemaVersion: 1, data: { at } });
const onlyClosed: HandledTypes<CounterEvent> = ['LimitReached'];

describe('typed-subjects: consumers filter by type on the broker', () => {
  let s: CounterStore;
  let legacy: EventStore<CounterEvent>;
  let jsm: JetStreamManager;
  let tdb: TestDatabase;
  let db: Database;
  let n = 0;
  /** Every `LimitReached` stored in this file's stream, in stream order. */
  const closedSeqs: number[] = [];
  /** The untyped events of other types: delivered to a consumer filtered by type all the same. */
  let untypedOthers = 0;
  const meta = (): EventMetadata => ({ actor: { kind: 'service', id: 'test' }, correlationId: 'c', commandId: `cmd-${++n}` });

  beforeAll(async () => {
    s = await openCounterStore(decl);
    jsm = s.jsm;
    legacy = new EventStore({ nc: s.nc, naming: s.naming, stream: { ...decl, typedAggregates: [] }, parse: parseCounterEvent });
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
  });
  afterAll(async () => {
    await db.close();
    await s.nc.close();
    await tdb.drop();
  });

  async function appendTo(into: EventStore<CounterEvent>, id: string, ...events: CounterEvent[]): Promise<number[]> {
    const subject = s.store.subject('counter', 'f', id);
    let seq = (await s.store.load(subject)).lastSeq;
    const seqs: number[] = [];
    for (const e of events) {
      seqs.push((seq = (await into.append(subject, seq, [e], meta()))!.lastSeq));
      if (e.type === 'LimitReached') closedSeqs.push(seq);
      else if (into === legacy) untypedOthers++;
    }
    return seqs;
  }

  function reactor(name: string, seen: RecordedEvent<CounterEvent>[], handles?: HandledTypes<CounterEvent>): ReactorRunner<CounterEvent> {
    const r: Reactor<CounterEvent> = {
      name,
      stream: decl,
      filterSubjects: ['ev.counter.>'],
      parse: parseCounterEvent,
      handle: async (e) => void seen.push(e),
      ...(handles ? { handles } : {}),
    };
    return new ReactorRunner({ nc: s.nc, naming: s.naming, reactor: r, retryDelayMs: 50, fetchExpiresMs: 1_000 });
  }
  const consumerInfo = (r: ReactorRunner<CounterEvent> | ProjectionRunner<CounterEvent>) =>
    jsm.consumers.info(s.streamName, r.consumerName);
  const prefixed = (subject: string) => `${s.naming.subjectPrefix}${subject}`;

  it('narrows a durable consumer made on the whole stream at its next start, resuming where it was', async () => {
    const oldUntyped = await appendTo(legacy, 'r1', inc(1), closed(1));
    const seen: RecordedEvent<CounterEvent>[] = [];
    const before = reactor('typed-r', seen); // a release from before: every type, the whole stream
    await before.start();
    await eventually(() => seen.length === 2);
    await before.stop();
    expect((await consumerInfo(before)).config.filter_subjects ?? [(await consumerInfo(before)).config.filter_subject]).toEqual([
      prefixed('ev.counter.>'),
    ]);

    const typed = await appendTo(s.store, 'r1', inc(2), closed(3), inc(4));
    // untyped events stored after those (by a release from before, say): still followed
    const untypedLater = await appendTo(legacy, 'r2', inc(5), closed(6));
    const after = reactor('typed-r', seen, onlyClosed);
    await after.start();
    await eventually(() => seen.some((r) => r.seq === untypedLater[1]));
    await after.stop();
    const info = await consumerInfo(after);
    expect(info.config.filter_subjects).toEqual([prefixed('ev.counter.*.*'), prefixed('ev.counter.*.*.LimitReached')]);
    // Nothing before the stop came again; of the typed events only the handled type was delivered.
    expect(seen.map((r) => r.seq)).toEqual([...oldUntyped, typed[1], untypedLater[1]]);
    expect(info.delivered.consumer_seq).toBe(2 + 1 + 2);
    expect(info.num_ack_pending).toBe(0);
  });

  it('applies a projection from typed and untyped events without mistaking skipped types for a gap', async () => {
    const applied: number[] = [];
    const projection: Projection<CounterEvent> = {
      name: 'typed_p',
      stream: decl,
      filterSubjects: ['ev.counter.>'],
      parse: parseCounterEvent,
      handles: onlyClosed,
      apply: async (_sql, r) => void applied.push(r.seq),
    };
    const runner = new ProjectionRunner({
      nc: s.nc,
      naming: s.naming,
      db,
      projection,
      batchSize: 5,
      retryDelayMs: 50,
      fetchExpiresMs: 1_000,
      lingerMs: 0,
    });
    await appendTo(legacy, 'p1', closed(0));
    for (let i = 0; i < 6; i++) await appendTo(s.store, `p${i}`, inc(1), inc(1), closed(2));
    const wanted = [...closedSeqs]; // the first test's too: the projection starts at the stream's beginning
    await runner.start();
    await eventually(() => applied.length === wanted.length);
    const last = await appendTo(s.store, 'p9', inc(1), closed(1));
    await eventually(() => applied.length === wanted.length + 1);
    await runner.stop();
    expect(applied).toEqual([...wanted, last[1]!]);
    expect(await db.transaction((sql) => readCheckpoint(sql, 'typed_p'))).toBe(last[1]);
    expect((await consumerInfo(runner)).delivered.consumer_seq).toBe(wanted.length + 1 + untypedOthers);
  });
});
