import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Assignment } from '@keelson/events';
import { AgentStateStore, type AssignmentRecord } from './agent-state.js';

const assignment = (id: string): Assignment => ({
  assignmentId: id,
  rolloutId: 'r-1',
  action: 'install',
  artifact: { name: 'yolo', version: '1.0.0', kind: 'model', targetPath: 'model/yolo/1.0.0/m.onnx', sha256: 'a'.repeat(64), length: 3 },
  probe: { kind: 'file', path: '/run/ready', timeoutSeconds: 5, attempts: 1, initialDelaySeconds: 0 },
});
const pending = (id: string): AssignmentRecord => ({ assignment: assignment(id), phase: 'pending' });

describe('the agent state store on disk: stage copies what it changes, update journals it', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agent-state-'));
    path = join(dir, 'state.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A store whose journal holds one finished assignment and one kept version. */
  async function journalled(): Promise<AgentStateStore> {
    const store = new AgentStateStore(path);
    await store.load();
    await store.update((d) => {
      d.seenGeneration = d.appliedGeneration = 1;
      d.assignments.a = { ...pending('a'), phase: 'done', outcome: 'healthy' };
      d.versions.yolo = { '1.0.0': { sha256: 'a'.repeat(64), length: 3, basename: 'm.onnx' } };
    });
    return store;
  }

  it('shares what a stage leaves alone and leaves the state it replaces as its readers saw it', async () => {
    const store = await journalled();
    const before = store.current;
    const snapshot = structuredClone(before);
    expect(
      await store.stage((d) => {
        d.seenGeneration = 2;
        d.assignments.b = pending('b');
      }),
    ).toBe(true);
    const after = store.current;
    expect(after.assignments.a).toBe(before.assignments.a); // not copied
    expect(after.versions).toBe(before.versions);
    expect(after.assignments.b).toEqual(pending('b'));
    expect(before).toEqual(snapshot); // the old state (a reader's) did not move
  });

  it('changes nothing when the change says so or throws', async () => {
    const store = await journalled();
    const before = store.current;
    expect(
      await store.stage((d) => {
        d.seenGeneration = 9;
        return false;
      }),
    ).toBe(false);
    await expect(
      store.stage((d) => {
        delete d.assignments.a;
        throw new Error('halfway');
      }),
    ).rejects.toThrow('halfway');
    expect(store.current).toBe(before);
    expect(store.current.assignments.a).toBeDefined();
  });

  it('updates a copy: a reader of the state before sees no field, step time, swap or kept version move', async () => {
    const store = await journalled();
    await store.setPhase('a', {
      phase: 'applying',
      swap: { fromCurrent: null, fromPrevious: null, to: '1.0.0' },
      steps: { downloading: '2026-12-07T03:00:00.000Z' },
    });
    const before = store.current;
    const snapshot = structuredClone(before);
    await store.update((d) => {
      const a = d.assignments.a!;
      a.phase = 'done';
      a.steps!.applying = '2026-12-07T03:00:01.000Z';
      a.swap!.fromCurrent = '0.9.0';
      d.versions.yolo!['2.0.0'] = { sha256: 'b'.repeat(64), length: 4, basename: 'm.onnx' };
      delete d.versions.yolo!['1.0.0'];
    });
    expect(before).toEqual(snapshot);
    expect(store.current.assignments.a?.steps).toEqual({ downloading: '2026-12-07T03:00:00.000Z', applying: '2026-12-07T03:00:01.000Z' });
    expect(Object.keys(store.current.versions.yolo ?? {})).toEqual(['2.0.0']);
    expect((await new AgentStateStore(path).load()).assignments.a?.swap?.fromCurrent).toBe('0.9.0');
  });

  it('loses a staged change in a crash, and journals it with the next update', async () => {
    const store = await journalled();
    await store.stage((d) => {
      d.seenGeneration = 2;
      d.assignments.b = pending('b');
    });
    const crashed = new AgentStateStore(path); // what a restart reads: the stage never reached the disk
    expect(Object.keys((await crashed.load()).assignments)).toEqual(['a']);
    const shared = store.current.assignments.a;
    await store.update((d) => {
      d.assignments.a!.phase = 'pending'; // update works on a copy: the shared record stays
    });
    expect(shared?.phase).toBe('done');
    const restarted = await new AgentStateStore(path).load();
    expect(restarted.seenGeneration).toBe(2);
    expect(Object.keys(restarted.assignments).sort()).toEqual(['a', 'b']);
    expect(restarted.assignments.a?.phase).toBe('pending');
  });
});
