import { TestClock } from '@keelson/testing';
import { TufMetadataMemory } from './tuf-metadata.memory.js';

const timestamp = { role: 'timestamp' } as const;
const snapshot = (version: number) => ({ role: 'snapshot', version });

describe('TufMetadataMemory', () => {
  let clock: TestClock;
  let memory: TufMetadataMemory;

  beforeEach(() => {
    clock = new TestClock();
    clock.set('2026-12-05T12:00:00Z');
    memory = new TufMetadataMemory({ clock, changingAnswerTtlMs: 2_000, maxDocumentBytes: 10, maxFleets: 2 });
  });

  it('keeps a document at a version, up to its byte bound, whether or not the feed follows', () => {
    memory.remember('a', snapshot(1), Buffer.from('sssss'), 0);
    memory.remember('a', snapshot(2), Buffer.from('tttttt'), 0); // 11 bytes in all: the older goes
    expect([memory.recall('a', snapshot(1)), memory.recall('a', snapshot(2)), memory.documentBytes]).toEqual([
      undefined,
      { document: Buffer.from('tttttt') },
      6,
    ]);
  });

  it("keeps no changing answer while the feed does not follow, nor one the database gave from before the feed's start", () => {
    memory.remember('a', timestamp, Buffer.from('t1'), 5);
    expect(memory.recall('a', timestamp)).toBeUndefined();
    memory.following(7);
    memory.remember('a', timestamp, Buffer.from('t1'), 6);
    memory.remember('a', snapshot(9), null, 6);
    expect([memory.recall('a', timestamp), memory.recall('a', snapshot(9))]).toEqual([undefined, undefined]);
    memory.remember('a', timestamp, Buffer.from('t1'), 7);
    memory.remember('a', snapshot(9), null, 7);
    expect([memory.recall('a', timestamp), memory.recall('a', snapshot(9))]).toEqual([{ document: Buffer.from('t1') }, { document: null }]);
  });

  it("forgets a fleet's changing answers on its TUF event, and keeps none the database gave before applying that event", () => {
    memory.following(0);
    memory.remember('a', timestamp, Buffer.from('t1'), 3);
    memory.remember('b', timestamp, Buffer.from('b1'), 3);
    memory.announce('a', 12); // the feed saw fleet a's signing at sequence 12; the projection may not have committed it
    expect([memory.recall('a', timestamp), memory.recall('b', timestamp)]).toEqual([undefined, { document: Buffer.from('b1') }]);
    memory.remember('a', timestamp, Buffer.from('t1'), 11); // read before the projection applied 12: served, not kept
    expect(memory.recall('a', timestamp)).toBeUndefined();
    memory.remember('a', timestamp, Buffer.from('t2'), 12);
    expect(memory.recall('a', timestamp)).toEqual({ document: Buffer.from('t2') });
  });

  it('keeps a changing answer at most its time to live', () => {
    memory.following(0);
    memory.remember('a', timestamp, Buffer.from('t1'), 0);
    clock.set('2026-12-05T12:00:01.999Z');
    expect(memory.recall('a', timestamp)).toEqual({ document: Buffer.from('t1') });
    clock.set('2026-12-05T12:00:02Z');
    expect(memory.recall('a', timestamp)).toBeUndefined();
  });

  it('bounds the fleets it tracks: a fleet whose last event was pushed out needs the database past every pushed-out event', () => {
    memory.following(0);
    memory.announce('a', 20);
    memory.announce('b', 21);
    memory.announce('c', 22); // pushes a out
    memory.remember('a', timestamp, Buffer.from('t1'), 19);
    expect(memory.recall('a', timestamp)).toBeUndefined();
    memory.remember('a', timestamp, Buffer.from('t1'), 20);
    expect(memory.recall('a', timestamp)).toEqual({ document: Buffer.from('t1') });
    memory.remember('b', timestamp, Buffer.from('b1'), 21);
    memory.remember('c', timestamp, Buffer.from('c1'), 22); // answers of at most maxFleets fleets: a goes
    expect([memory.recall('a', timestamp), memory.recall('c', timestamp)]).toEqual([undefined, { document: Buffer.from('c1') }]);
  });

  it('forgets every changing answer, and keeps none, once the feed is lost', () => {
    memory.following(0);
    memory.remember('a', timestamp, Buffer.from('t1'), 0);
    memory.lost();
    memory.remember('b', timestamp, Buffer.from('b1'), 100);
    expect([memory.recall('a', timestamp), memory.recall('b', timestamp)]).toEqual([undefined, undefined]);
  });
});
