import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArtifactSlots } from '../artifacts/artifact-slots.js';
import { assignmentOf, deviceId } from '../test-fixtures/reconcile-harness.js';
import { ReconcileDisk } from '../test-fixtures/reconcile-disk.js';

// Each spec runs an update until a step, "kills" the agent there (ReconcileDisk.crashAt), maybe
// changes the disk as a crash could leave it, and starts a new agent on the same disk.
describe('reconciling after a crash: the journal resumes from a safe point', () => {
  let d: ReconcileDisk;
  beforeEach(async () => (d = await ReconcileDisk.create()));
  afterEach(() => d.close());

  it('crashed while applying, after only the previous link moved: completes the swap and probes', async () => {
    const h = await d.crashAt('applying', () => new ArtifactSlots(d.layout, 'yolo').point('previous', '1.0.0'));
    expect(d.states(h, 'a2')).toEqual(['healthy']);
    expect([d.active(), ...(await d.links())]).toEqual(['model two', '2.0.0', '1.0.0']);
  });

  it('crashed while applying with a temp link left over: the temp goes, the swap completes', async () => {
    await d.crashAt('applying', async () => {
      const { symlinkSync } = await import('node:fs');
      symlinkSync('versions/2.0.0', `${d.layout.artifactDir('yolo')}/.current.dead.tmp`);
    });
    expect(readdirSync(d.layout.artifactDir('yolo')).sort()).toEqual(['current', 'previous', 'versions']);
    expect([d.active(), ...(await d.links())]).toEqual(['model two', '2.0.0', '1.0.0']);
  });

  it('crashed while applying before the version directory arrived: fetches again from a clean state', async () => {
    const h = await d.crashAt('applying', async () => rmSync(d.layout.versionDir('yolo', '2.0.0'), { recursive: true }));
    expect(d.states(h, 'a2')).toEqual(['downloading', 'verifying', 'applying', 'healthy']);
    expect(d.active()).toBe('model two');
  });

  it('crashed while probing a bad version: the journal still says applying; swaps to the same links, probes again and rolls back', async () => {
    d.failing.add('2.0.0');
    const h = await d.crashAt(
      'applying',
      async () => {
        expect(d.journal().assignments.a2?.phase).toBe('applying'); // the probe is not journalled on its own
        expect(await d.links()).toEqual(['2.0.0', '1.0.0']);
      },
      'activated',
    );
    expect(d.states(h, 'a2')).toEqual(['rolled_back']);
    expect(h.activations).toEqual(['2.0.0']);
    expect([d.active(), ...(await d.links())]).toEqual(['model one', '1.0.0', null]);
  });

  it('a journal an older agent left in probing probes again', async () => {
    d.failing.add('2.0.0');
    const h = await d.crashAt(
      'applying',
      async () => {
        const left = d.journal();
        left.assignments.a2!.phase = 'probing';
        writeFileSync(d.layout.stateFile, JSON.stringify(left));
      },
      'activated',
    );
    expect(d.states(h, 'a2')).toEqual(['rolled_back']);
    expect([d.active(), ...(await d.links())]).toEqual(['model one', '1.0.0', null]);
  });

  it('crashed before the first step of a desired state was journalled: the journal does not know it, and the same state sent again runs it', async () => {
    const h = await d.crashAt(
      'downloading',
      async () => {
        expect(d.journal().assignments.a2).toBeUndefined(); // accepted in memory, carried by the first step's write
        expect(d.journal().seenGeneration).toBe(d.generation - 1);
      },
      'before',
    );
    expect(h.store.current.assignments.a2).toBeUndefined();
    expect(h.store.current.appliedGeneration).toBe(d.generation - 1); // what the hello says: the gateway answers it with the state again
    await h.reconciler.accept({
      deviceId,
      generation: d.generation,
      assignments: [assignmentOf('a1', d.v1()), assignmentOf('a2', d.v2())],
    });
    await h.reconciler.idle();
    expect(d.states(h, 'a2')).toEqual(['downloading', 'verifying', 'applying', 'healthy']);
    expect(d.journal().appliedGeneration).toBe(d.generation);
  });

  it('crashed in the middle of a rollback: finishes restoring the previous version', async () => {
    d.failing.add('2.0.0');
    const h = await d.crashAt('rolling_back');
    expect(h.sent.filter((s) => s.assignmentId === 'a2')).toEqual([
      { assignmentId: 'a2', state: 'rolled_back', reason: expect.stringContaining('does not exist') },
    ]);
    expect(d.active()).toBe('model one');
  });

  it('crashed just before the version and the applying phase were journalled: neither is, the update runs again and records the version', async () => {
    const h = await d.crashAt(
      'applying',
      async () => {
        expect(d.journal().assignments.a2?.phase).toBe('downloading');
        expect(d.journal().versions.yolo?.['2.0.0']).toBeUndefined();
      },
      'before',
    );
    expect(d.states(h, 'a2')).toEqual(['downloading', 'verifying', 'applying', 'healthy']);
    expect(h.store.current.versions.yolo?.['2.0.0']).toEqual({
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      length: 9,
      basename: 'model.onnx',
    });
    expect(await h.reconciler.installed()).toEqual([
      { name: 'yolo', version: '2.0.0', sha256: h.store.current.versions.yolo?.['2.0.0']?.sha256 },
    ]);
  });

  it('crashed just after the applying phase was journalled: the version is journalled with it, and is reported once applied', async () => {
    const h = await d.crashAt('applying', async () => {
      expect(d.journal().assignments.a2?.phase).toBe('applying');
      expect(d.journal().versions.yolo?.['2.0.0']).toBeDefined();
      // verifying was not written on its own: its time came with the applying write
      expect(Object.keys(d.journal().assignments.a2?.steps ?? {}).sort()).toEqual(['applying', 'downloading', 'verifying']);
    });
    expect(d.states(h, 'a2')).toEqual(['healthy']);
    expect((await h.reconciler.installed()).map((i) => i.version)).toEqual(['2.0.0']);
  });

  it('a version this run has just verified and installed is applied without being read back', async () => {
    // Only a test can change the version between its install and the applying step: the same run does not hash it again...
    const h = await d.harness();
    await d.run(h, assignmentOf('a1', d.v1()));
    const origin = h.store.setPhase.bind(h.store);
    h.store.setPhase = async (id, fields, alongside) => {
      const state = await origin(id, fields, alongside);
      if (id === 'a2' && fields.phase === 'applying')
        writeFileSync(join(d.layout.versionDir('yolo', '2.0.0'), 'model.onnx'), 'not read back');
      return state;
    };
    await d.run(h, assignmentOf('a2', d.v2()));
    expect(d.active()).toBe('not read back');
    expect(d.states(h, 'a2')).toEqual(['downloading', 'verifying', 'applying', 'healthy']);
  });

  it('crashed just after applying was journalled, the version changed while down: the restarted agent hashes it and fetches it again', async () => {
    const h = await d.crashAt('applying', async () =>
      writeFileSync(join(d.layout.versionDir('yolo', '2.0.0'), 'model.onnx'), 'changed while down'),
    );
    expect(d.states(h, 'a2')).toEqual(['downloading', 'verifying', 'applying', 'healthy']);
    expect(d.active()).toBe('model two');
  });

  it('crashed just after the last assignment was journalled done: the generation is journalled as applied with it', async () => {
    await d.crashAt('done', async () => {
      expect(d.journal().assignments.a2?.phase).toBe('done');
      expect(d.journal().appliedGeneration).toBe(d.generation);
    });
  });

  it('crashed while downloading: the journal says downloading (verifying is only reported), the download is kept and resumed, and the update runs again', async () => {
    let requestsAtCrash = 0;
    const h = await d.crashAt(
      'verifying',
      async () => {
        expect(d.journal().assignments.a2?.phase).toBe('downloading');
        expect(readdirSync(d.layout.downloadsDir)).toEqual([`${d.journal().assignments.a2!.assignment.artifact.sha256}.part`]); // what the crash left behind
        requestsAtCrash = d.facade.requests.length;
      },
      'reported',
    );
    expect(d.states(h, 'a2')).toEqual(['downloading', 'verifying', 'applying', 'healthy']);
    expect(d.active()).toBe('model two');
    // The whole target had arrived before the crash: checked again from disk, not fetched again.
    expect(d.facade.requests.slice(requestsAtCrash).filter((r) => r.path.includes('/targets/'))).toEqual([]);
    expect(readdirSync(d.layout.downloadsDir)).toEqual([]);
  });

  it('a journal an older agent left in verifying resumes like downloading', async () => {
    const h = await d.crashAt(
      'verifying',
      async () => {
        const left = d.journal();
        left.assignments.a2!.phase = 'verifying';
        const { writeFileSync } = await import('node:fs');
        writeFileSync(d.layout.stateFile, JSON.stringify(left));
      },
      'reported',
    );
    expect(d.states(h, 'a2')).toEqual(['downloading', 'verifying', 'applying', 'healthy']);
    expect(d.active()).toBe('model two');
  });
});
