import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Assignment } from '@keelson/events';
import { TestDeviceCa } from '@keelson/testing';
import { KeyedRepository, tamperTarget } from '@keelson/tuf/testing';
import { ArtifactSlots } from '../artifacts/artifact-slots.js';
import type { AgentState } from '../data-dir/agent-state.js';
import { AgentHalted } from './reconcile-context.js';
import type { DataDirLayout } from '../data-dir/layout.js';
import { simulateApplication } from '../sim/simulated-application.js';
import { issuedBy, startFakeFacade, type FakeFacade } from '../test-fixtures/fake-facade.js';
import { assignmentOf, deviceId, enrolledDataDir, fleet, reconcileHarness, type Harness, type Sent } from '../test-fixtures/reconcile-harness.js';

describe('reconciling desired state on disk: verify, swap, probe, roll back, survive a crash', () => {
  let repo: KeyedRepository;
  let facade: FakeFacade;
  let layout: DataDirLayout;
  let failing: Set<string>;
  const v1 = () => repo.publish('model/yolo/1.0.0/model.onnx', Buffer.from('model one'));
  const v2 = () => repo.publish('model/yolo/2.0.0/model.onnx', Buffer.from('model two'));
  const active = () => readFileSync(layout.activeFile('yolo', 'model.onnx'), 'utf8');
  const links = async () => {
    const slots = new ArtifactSlots(layout, 'yolo');
    return [await slots.read('current'), await slots.read('previous')];
  };
  const harness = (onReport?: (sent: Sent) => void, onActivated?: (a: Assignment) => void) =>
    reconcileHarness(layout, facade, {
      onActivated: async (a) => {
        await simulateApplication(layout.root, a, !failing.has(a.artifact.version));
        onActivated?.(a);
      },
      ...(onReport ? { onReport } : {}),
    });
  let generation = 0;
  const run = async (h: Harness, ...assignments: Assignment[]) => {
    await h.reconciler.accept({ deviceId, generation: ++generation, assignments });
    await h.reconciler.idle();
  };
  const states = (h: Harness, id: string) => h.sent.filter((s) => s.assignmentId === id).map((s) => s.state);

  beforeEach(async () => {
    repo = new KeyedRepository();
    const ca = await TestDeviceCa.create(fleet);
    facade = await startFakeFacade(fleet, repo, issuedBy(ca.certPem, fleet));
    layout = await enrolledDataDir(repo, facade, await ca.issue(deviceId));
    failing = new Set();
    generation = 0;
  });
  afterEach(async () => {
    await facade.close();
    rmSync(layout.root, { recursive: true, force: true });
  });

  it('installs, probes and reports healthy; the next version keeps the first as previous', async () => {
    const h = await harness();
    await run(h, assignmentOf('a1', v1()));
    expect(states(h, 'a1')).toEqual(['downloading', 'verifying', 'applying', 'healthy']);
    expect(active()).toBe('model one');
    await run(h, assignmentOf('a2', v2()));
    expect(states(h, 'a2')).toEqual(['downloading', 'verifying', 'applying', 'healthy']);
    expect([active(), ...(await links())]).toEqual(['model two', '2.0.0', '1.0.0']);
    expect(await h.reconciler.installed()).toEqual([{ name: 'yolo', version: '2.0.0', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(h.store.current.appliedGeneration).toBe(2);
    expect(readdirSync(layout.downloadsDir)).toEqual([]); // each verified download moved into its version directory
  });

  it('rolls back by itself when the probe fails, and a revert of a version it no longer runs has nothing to do', async () => {
    const h = await harness();
    await run(h, assignmentOf('a1', v1()));
    failing.add('2.0.0');
    const bad = assignmentOf('a2', v2());
    await run(h, bad);
    expect(h.sent.at(-1)).toEqual({ assignmentId: 'a2', state: 'rolled_back', reason: expect.stringContaining('/run/ready does not exist') });
    expect(h.sent.at(-1)!.reason).toMatch(/; back on yolo@1\.0\.0$/); // the version the rollback restored, by name
    expect([active(), ...(await links())]).toEqual(['model one', '1.0.0', null]);
    await run(h, { ...bad, assignmentId: 'a2-r', action: 'revert' });
    expect(h.sent.at(-1)).toEqual({ assignmentId: 'a2-r', state: 'healthy', reason: 'nothing to revert: yolo runs 1.0.0, not 2.0.0' });
  });

  it('reverts to the kept previous version when it runs the reverted one', async () => {
    const h = await harness();
    await run(h, assignmentOf('a1', v1()));
    const second = assignmentOf('a2', v2());
    await run(h, second);
    await run(h, { ...second, assignmentId: 'a2-r', action: 'revert' });
    expect(states(h, 'a2-r')).toEqual(['applying', 'healthy']);
    expect([active(), ...(await links())]).toEqual(['model one', '1.0.0', '2.0.0']);
  });

  it('refuses tampered bytes: failed with the reason, nothing swapped, nothing kept', async () => {
    const h = await harness();
    await run(h, assignmentOf('a1', v1()));
    const published = v2();
    tamperTarget(repo, published.targetPath);
    await run(h, assignmentOf('a2', published));
    expect(h.sent.at(-1)).toEqual({ assignmentId: 'a2', state: 'failed', reason: expect.stringContaining('failed verification') });
    expect(states(h, 'a2')).toEqual(['downloading', 'verifying', 'failed']);
    expect([active(), ...(await links())]).toEqual(['model one', '1.0.0', null]);
    expect(readdirSync(layout.versionsDir('yolo'))).toEqual(['1.0.0']);
    expect(readdirSync(layout.downloadsDir)).toEqual([]); // bytes that failed the check are not kept to resume
  });

  it('ends an assignment as failed when the disk refuses the install, instead of leaving the rollout waiting', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(layout.artifactDir('yolo'), { recursive: true });
    writeFileSync(layout.versionsDir('yolo'), 'not a directory');
    const h = await harness();
    await run(h, assignmentOf('a1', v1()));
    expect(h.sent.at(-1)).toEqual({ assignmentId: 'a1', state: 'failed', reason: expect.stringContaining('the agent could not carry on') });
    expect(await links()).toEqual([null, null]);
  });

  it('resends terminal reports with every desired state and ignores a stale generation', async () => {
    const h = await harness();
    const a1 = assignmentOf('a1', v1());
    await run(h, a1);
    h.sent.length = 0;
    await h.reconciler.accept({ deviceId, generation, assignments: [a1] });
    expect(h.sent).toEqual([{ assignmentId: 'a1', state: 'healthy' }]);
    h.sent.length = 0;
    await h.reconciler.accept({ deviceId, generation: 0, assignments: [] });
    expect(h.sent).toEqual([]);
    expect(Object.keys(h.store.current.assignments)).toEqual(['a1']);
  });

  it('does not write the journal again for a desired state that changes nothing (the answer to a hello)', async () => {
    const h = await harness();
    const a1 = assignmentOf('a1', v1());
    await run(h, a1);
    // Every journal write renames a new file into place: a new inode (which a later write may reuse) and mtime.
    const writtenAt = () => {
      const { ino, mtimeNs } = statSync(layout.stateFile, { bigint: true });
      return `${ino}@${mtimeNs}`;
    };
    const written = writtenAt();
    await h.reconciler.accept({ deviceId, generation, assignments: [a1] }, false);
    await h.reconciler.idle();
    expect(writtenAt()).toBe(written);
    await h.reconciler.accept({ deviceId, generation: ++generation, assignments: [a1] }, false);
    await h.reconciler.idle();
    expect(writtenAt()).not.toBe(written);
  });

  it("journals the trace of the desired state that brought an assignment, which a later state does not replace", async () => {
    const h = await harness();
    const a1 = assignmentOf('a1', v1());
    const pushed = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await h.reconciler.accept({ deviceId, generation: ++generation, assignments: [a1], traceparent: pushed });
    await h.reconciler.idle();
    // The answer to a later hello comes in the hello's own trace: the assignment keeps the one it came with.
    await h.reconciler.accept({ deviceId, generation: ++generation, assignments: [a1], traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    await h.reconciler.idle();
    await run(h, a1, assignmentOf('a2', v2()));
    const journal = JSON.parse(readFileSync(layout.stateFile, 'utf8')) as AgentState;
    expect(journal.assignments['a1']?.traceparent).toBe(pushed);
    expect(journal.assignments['a2']).not.toHaveProperty('traceparent'); // a state without one (tracing off)
  });

  it('keeps a new assignment when an older desired state arrives while the newer one is being written', async () => {
    const h = await harness();
    // The gateway's push of generation 1 and its answer to the hello (generation 0, read before the
    // assignment) can reach the device back to back; both are accepted before either is on disk.
    const newer = h.reconciler.accept({ deviceId, generation: 1, assignments: [assignmentOf('b1', v1())] });
    const older = h.reconciler.accept({ deviceId, generation: 0, assignments: [] });
    await Promise.all([newer, older]);
    await h.reconciler.idle();
    expect(h.store.current.seenGeneration).toBe(1);
    expect(states(h, 'b1')).toEqual(['downloading', 'verifying', 'applying', 'healthy']);
  });

  describe('after a crash the journal resumes from a safe point', () => {
    // Runs a2 until its journal reaches `phase` (or, `before`, until it is about to; or, `reported`,
    // until the agent reports it: `verifying` is reported, not journalled; or, `activated`, until its
    // version is swapped in and about to be probed, which is not journalled), then "kills" the agent there.
    const crashAt = async (phase: string, tweak?: () => Promise<void>, when: 'journalled' | 'before' | 'reported' | 'activated' = 'journalled') => {
      let onReport: ((sent: Sent) => void) | undefined;
      let onActivated: ((a: Assignment) => void) | undefined;
      const first = await harness((sent) => onReport?.(sent), (a) => onActivated?.(a));
      await run(first, assignmentOf('a1', v1()));
      const a2 = assignmentOf('a2', v2());
      const stop = new Promise<void>((resolve) => {
        onReport = (sent) => {
          if (when !== 'reported' || sent.assignmentId !== 'a2' || sent.state !== phase) return;
          first.crash();
          resolve();
        };
        onActivated = (a) => {
          if (when !== 'activated' || a.assignmentId !== 'a2') return;
          first.crash();
          resolve();
        };
        const origin = first.store.setPhase.bind(first.store);
        first.store.setPhase = async (id, fields, alongside) => {
          if (when === 'before' && fields.phase === phase) {
            first.crash();
            resolve();
            throw new AgentHalted('crashed');
          }
          const state = await origin(id, fields, alongside);
          if (when === 'journalled' && fields.phase === phase) {
            first.crash();
            resolve();
          }
          return state;
        };
      });
      await first.reconciler.accept({ deviceId, generation: ++generation, assignments: [assignmentOf('a1', v1()), a2] });
      await stop;
      await first.reconciler.idle();
      await tweak?.();
      const second = await harness();
      await second.reconciler.recover();
      await second.reconciler.idle();
      return second;
    };

    const journal = (): AgentState => JSON.parse(readFileSync(layout.stateFile, 'utf8')) as AgentState;

    it('crashed while applying, after only the previous link moved: completes the swap and probes', async () => {
      const h = await crashAt('applying', () => new ArtifactSlots(layout, 'yolo').point('previous', '1.0.0'));
      expect(states(h, 'a2')).toEqual(['healthy']);
      expect([active(), ...(await links())]).toEqual(['model two', '2.0.0', '1.0.0']);
    });

    it('crashed while applying with a temp link left over: the temp goes, the swap completes', async () => {
      await crashAt('applying', async () => {
        const { symlinkSync } = await import('node:fs');
        symlinkSync('versions/2.0.0', `${layout.artifactDir('yolo')}/.current.dead.tmp`);
      });
      expect(readdirSync(layout.artifactDir('yolo')).sort()).toEqual(['current', 'previous', 'versions']);
      expect([active(), ...(await links())]).toEqual(['model two', '2.0.0', '1.0.0']);
    });

    it('crashed while applying before the version directory arrived: fetches again from a clean state', async () => {
      const h = await crashAt('applying', async () => rmSync(layout.versionDir('yolo', '2.0.0'), { recursive: true }));
      expect(states(h, 'a2')).toEqual(['downloading', 'verifying', 'applying', 'healthy']);
      expect(active()).toBe('model two');
    });

    it('crashed while probing a bad version: the journal still says applying; swaps to the same links, probes again and rolls back', async () => {
      failing.add('2.0.0');
      const h = await crashAt('applying', async () => {
        expect(journal().assignments.a2?.phase).toBe('applying'); // the probe is not journalled on its own
        expect(await links()).toEqual(['2.0.0', '1.0.0']);
      }, 'activated');
      expect(states(h, 'a2')).toEqual(['rolled_back']);
      expect(h.activations).toEqual(['2.0.0']);
      expect([active(), ...(await links())]).toEqual(['model one', '1.0.0', null]);
    });

    it('a journal an older agent left in probing probes again', async () => {
      failing.add('2.0.0');
      const h = await crashAt('applying', async () => {
        const left = journal();
        left.assignments.a2!.phase = 'probing';
        writeFileSync(layout.stateFile, JSON.stringify(left));
      }, 'activated');
      expect(states(h, 'a2')).toEqual(['rolled_back']);
      expect([active(), ...(await links())]).toEqual(['model one', '1.0.0', null]);
    });

    it('crashed before the first step of a desired state was journalled: the journal does not know it, and the same state sent again runs it', async () => {
      const h = await crashAt('downloading', async () => {
        expect(journal().assignments.a2).toBeUndefined(); // accepted in memory, carried by the first step's write
        expect(journal().seenGeneration).toBe(generation - 1);
      }, 'before');
      expect(h.store.current.assignments.a2).toBeUndefined();
      expect(h.store.current.appliedGeneration).toBe(generation - 1); // what the hello says: the gateway answers it with the state again
      await h.reconciler.accept({ deviceId, generation, assignments: [assignmentOf('a1', v1()), assignmentOf('a2', v2())] });
      await h.reconciler.idle();
      expect(states(h, 'a2')).toEqual(['downloading', 'verifying', 'applying', 'healthy']);
      expect(journal().appliedGeneration).toBe(generation);
    });

    it('crashed in the middle of a rollback: finishes restoring the previous version', async () => {
      failing.add('2.0.0');
      const h = await crashAt('rolling_back');
      expect(h.sent.filter((s) => s.assignmentId === 'a2')).toEqual([{ assignmentId: 'a2', state: 'rolled_back', reason: expect.stringContaining('does not exist') }]);
      expect(active()).toBe('model one');
    });

    it('crashed just before the version and the applying phase were journalled: neither is, the update runs again and records the version', async () => {
      const h = await crashAt('applying', async () => {
        expect(journal().assignments.a2?.phase).toBe('downloading');
        expect(journal().versions.yolo?.['2.0.0']).toBeUndefined();
      }, 'before');
      expect(states(h, 'a2')).toEqual(['downloading', 'verifying', 'applying', 'healthy']);
      expect(h.store.current.versions.yolo?.['2.0.0']).toEqual({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), length: 9, basename: 'model.onnx' });
      expect(await h.reconciler.installed()).toEqual([{ name: 'yolo', version: '2.0.0', sha256: h.store.current.versions.yolo?.['2.0.0']?.sha256 }]);
    });

    it('crashed just after the applying phase was journalled: the version is journalled with it, and is reported once applied', async () => {
      const h = await crashAt('applying', async () => {
        expect(journal().assignments.a2?.phase).toBe('applying');
        expect(journal().versions.yolo?.['2.0.0']).toBeDefined();
        // verifying was not written on its own: its time came with the applying write
        expect(Object.keys(journal().assignments.a2?.steps ?? {}).sort()).toEqual(['applying', 'downloading', 'verifying']);
      });
      expect(states(h, 'a2')).toEqual(['healthy']);
      expect((await h.reconciler.installed()).map((i) => i.version)).toEqual(['2.0.0']);
    });

    it('a version this run has just verified and installed is applied without being read back', async () => {
      // Only a test can change the version between its install and the applying step: the same run does not hash it again...
      const h = await harness();
      await run(h, assignmentOf('a1', v1()));
      const origin = h.store.setPhase.bind(h.store);
      h.store.setPhase = async (id, fields, alongside) => {
        const state = await origin(id, fields, alongside);
        if (id === 'a2' && fields.phase === 'applying') writeFileSync(join(layout.versionDir('yolo', '2.0.0'), 'model.onnx'), 'not read back');
        return state;
      };
      await run(h, assignmentOf('a2', v2()));
      expect(active()).toBe('not read back');
      expect(states(h, 'a2')).toEqual(['downloading', 'verifying', 'applying', 'healthy']);
    });

    it('crashed just after applying was journalled, the version changed while down: the restarted agent hashes it and fetches it again', async () => {
      const h = await crashAt('applying', async () => writeFileSync(join(layout.versionDir('yolo', '2.0.0'), 'model.onnx'), 'changed while down'));
      expect(states(h, 'a2')).toEqual(['downloading', 'verifying', 'applying', 'healthy']);
      expect(active()).toBe('model two');
    });

    it('crashed just after the last assignment was journalled done: the generation is journalled as applied with it', async () => {
      await crashAt('done', async () => {
        expect(journal().assignments.a2?.phase).toBe('done');
        expect(journal().appliedGeneration).toBe(generation);
      });
    });

    it('crashed while downloading: the journal says downloading (verifying is only reported), the download is kept and resumed, and the update runs again', async () => {
      let requestsAtCrash = 0;
      const h = await crashAt('verifying', async () => {
        expect(journal().assignments.a2?.phase).toBe('downloading');
        expect(readdirSync(layout.downloadsDir)).toEqual([`${journal().assignments.a2!.assignment.artifact.sha256}.part`]); // what the crash left behind
        requestsAtCrash = facade.requests.length;
      }, 'reported');
      expect(states(h, 'a2')).toEqual(['downloading', 'verifying', 'applying', 'healthy']);
      expect(active()).toBe('model two');
      // The whole target had arrived before the crash: checked again from disk, not fetched again.
      expect(facade.requests.slice(requestsAtCrash).filter((r) => r.path.includes('/targets/'))).toEqual([]);
      expect(readdirSync(layout.downloadsDir)).toEqual([]);
    });

    it('a journal an older agent left in verifying resumes like downloading', async () => {
      const h = await crashAt('verifying', async () => {
        const left = journal();
        left.assignments.a2!.phase = 'verifying';
        const { writeFileSync } = await import('node:fs');
        writeFileSync(layout.stateFile, JSON.stringify(left));
      }, 'reported');
      expect(states(h, 'a2')).toEqual(['downloading', 'verifying', 'applying', 'healthy']);
      expect(active()).toBe('model two');
    });
  });
});
