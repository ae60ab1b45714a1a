import { jetstream } from '@nats-io/jetstream';
import { openDatabase, type Database } from '@keelson/postgres';
import { createTestDatabase, eventually, type TestDatabase } from '@keelson/testing';
import { ProjectionRunner, ReactorRunner, type Projection, type Reactor, type RecordedEvent, type StreamDeclaration } from './index.js';
import { openCounterStore, type CounterStore } from './test-fixtures/counter-store.js';
import { inc, parseCounterEvent, type CounterEvent } from './test-fixtures/counter.js';

const decl: StreamDeclaration = { name: 'EV_HANDLED', subjects: ['ev.counter.>'], description: 'handled-types tests' };
const encoder = new TextEncoder();
const meta = (n: number) => ({ actor: { kind: 'operator' as const, id: 'ada' }, correlationId: 'c', commandId: `handled-${n}` });

/** A parser that notes the type of everything it is given, so a spec sees what was validated. */
function countingParse(parsed: string[]): (raw: unknown) => CounterEvent {
  return (raw) => {
    parsed.push(String((raw as { type?: unknown }).type));
    return parseCounterEvent(raw);
  };
}

describe('a consumer that declares the event types it handles', () => {
  let s: CounterStore;
  let tdb: TestDatabase;
  let db: Database;
  let n = 0;
  beforeAll(async () => {
    s = await openCounterStore(decl);
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
  });
  afterAll(async () => {
    await db.close();
    await s.nc.close();
    await tdb.drop();
  });

  /**
   * On one subject: a handled event, one it does not handle, a malformed one of each type (written
   * past the store's validation, as a buggy writer would), a message that is not JSON, another handled
   * event and a last one it does not handle, in that order. Returns the last one's sequence.
   */
  async function writeMixed(id: string): Promise<number> {
    const subject = s.store.subject('counter', 'f', id);
    const limit = (at: number): CounterEvent => ({ type: 'LimitReached', schemaVersion: 1, data: { at } });
    const first = await s.store.append(subject, 0, [inc(1), limit(1)], meta(++n));
    const js = jetstream(s.nc);
    await js.publish(subject, encoder.encode('{"type":"Incremented","schemaVersion":1,"data":{"by":"lots"}}'));
    await js.publish(subject, encoder.encode('{"type":"LimitReached","schemaVersion":1,"data":{"at":"never"}}'));
    const raw = await js.publish(subject, encoder.encode('not json'));
    expect(first!.lastSeq).toBeLessThan(raw.seq);
    const last = await s.store.append(subject, raw.seq, [inc(2), limit(3)], meta(++n));
    return last!.lastSeq;
  }

  it('a reactor validates and handles only its types, and a malformed event of them is still poison', async () => {
    await writeMixed('r');
    const parsed: string[] = [];
    const handled: number[] = [];
    const poison: string[] = [];
    const reactor: Reactor<CounterEvent> = {
      name: 'handled-r',
      stream: decl,
      filterSubjects: ['ev.counter.f.r'],
      handles: ['Incremented'],
      parse: countingParse(parsed),
      async handle(r: RecordedEvent<CounterEvent>) {
        if (r.event.type === 'Incremented') handled.push(r.event.data.by);
      },
    };
    const runner = new ReactorRunner({
      nc: s.nc,
      naming: s.naming,
      reactor,
      retryDelayMs: 50,
      onPoison: (err) => void poison.push(String(err)),
    });
    await runner.start();
    await eventually(() => handled.includes(2));
    await runner.stop();
    expect(handled).toEqual([1, 2]);
    expect(parsed).toEqual(['Incremented', 'Incremented', 'Incremented']); // never a LimitReached, well-formed or not
    expect(poison).toHaveLength(2); // the malformed Incremented and the message that is not JSON
    expect(poison[0]).toMatch(/counter\.invalid|InvalidInput/);
    expect(poison[1]).toMatch(/SyntaxError/);
  });

  it('a projection applies only its types, dead-letters a malformed event of them, and its checkpoint passes the others', async () => {
    const lastSeq = await writeMixed('p');
    const parsed: string[] = [];
    const applied: number[] = [];
    const projection: Projection<CounterEvent> = {
      name: 'handled_p',
      stream: decl,
      filterSubjects: ['ev.counter.f.p'],
      handles: ['Incremented'],
      parse: countingParse(parsed),
      async apply(_sql, r) {
        if (r.event.type === 'Incremented') applied.push(r.event.data.by);
      },
    };
    const runner = new ProjectionRunner({ nc: s.nc, naming: s.naming, db, projection, batchSize: 20, retryDelayMs: 50 });
    const checkpoint = async () =>
      Number(
        (await db.query<{ seq: string }>(`SELECT last_seq AS seq FROM projection_checkpoints WHERE projection = 'handled_p'`))[0]?.seq ?? 0,
      );
    await runner.start();
    for (const end = Date.now() + 10_000; (await checkpoint()) < lastSeq;) {
      if (Date.now() > end) throw new Error('the checkpoint never reached the last event');
      await new Promise((r) => setTimeout(r, 20));
    }
    await runner.stop();
    expect(applied).toEqual([1, 2]);
    expect(parsed.filter((t) => t !== 'Incremented')).toEqual([]); // a LimitReached is never validated
    const dead = await db.query<{ payload: string; error: string }>(
      `SELECT payload, error FROM projection_dead_letters WHERE projection = 'handled_p' ORDER BY seq`,
    );
    expect(dead.map((d) => d.payload)).toEqual(['{"type":"Incremented","schemaVersion":1,"data":{"by":"lots"}}', 'not json']);
  });
});
