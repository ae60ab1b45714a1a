import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tamperTarget } from '@keelson/tuf/testing';
import type { AgentState } from '../data-dir/agent-state.js';
import { assignmentOf, deviceId } from '../test-fixtures/reconcile-harness.js';
import { ReconcileDisk } from '../test-fixtures/reconcile-disk.js';

// After a crash: reconciler-crash.int.spec.ts.
describe('reconciling desired state on disk: verify, swap, probe, roll back', () => {
  let d: ReconcileDisk;
  beforeEach(async () => (d = await ReconcileDisk.create()));
  afterEach(() => d.close());

  it('installs, probes and reports healthy; the next version keeps the first as previous', async () => {
    const h = await d.harness();
    await d.run(h, assignmentOf('a1', d.v1()));
    expect(d.states(h, 'a1')).toEqual(['downloading', 'verifying', 'applying', 'healthy']);
    expect(d.active()).toBe('model one');
    await d.run(h, assignmentOf('a2', d.v2()));
    expect(d.states(h, 'a2')).toEqual(['downloading', 'verifying', 'applying', 'healthy']);
    expect([d.active(), ...(await d.links())]).toEqual(['model two', '2.0.0', '1.0.0']);
    expect(await h.reconciler.installed()).toEqual([{ name: 'yolo', version: '2.0.0', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(h.store.current.appliedGeneration).toBe(2);
    expect(readdirSync(d.layout.downloadsDir)).toEqual([]); // each verified download moved into its version directory
  });

  it('rolls back by itself when the probe fails, and a revert of a version it no longer runs has nothing to do', async () => {
    const h = await d.harness();
    await d.run(h, assignmentOf('a1', d.v1()));
    d.failing.add('2.0.0');
    const bad = assignmentOf('a2', d.v2());
    await d.run(h, bad);
    expect(h.sent.at(-1)).toEqual({
      assignmentId: 'a2',
      state: 'rolled_back',
      reason: expect.stringContaining('/run/ready does not exist'),
    });
    expect(h.sent.at(-1)!.reason).toMatch(/; back on yolo@1\.0\.0$/); // the version the rollback restored, by name
    expect([d.active(), ...(await d.links())]).toEqual(['model one', '1.0.0', null]);
    await d.run(h, { ...bad, assignmentId: 'a2-r', action: 'revert' });
    expect(h.sent.at(-1)).toEqual({ assignmentId: 'a2-r', state: 'healthy', reason: 'nothing to revert: yolo runs 1.0.0, not 2.0.0' });
  });

  it('reverts to the kept previous version when it runs the reverted one', async () => {
    const h = await d.harness();
    await d.run(h, assignmentOf('a1', d.v1()));
    const second = assignmentOf('a2', d.v2());
    await d.run(h, second);
    await d.run(h, { ...second, assignmentId: 'a2-r', action: 'revert' });
    expect(d.states(h, 'a2-r')).toEqual(['applying', 'healthy']);
    expect([d.active(), ...(await d.links())]).toEqual(['model one', '1.0.0', '2.0.0']);
  });

  it('refuses tampered bytes: failed with the reason, nothing swapped, nothing kept', async () => {
    const h = await d.harness();
    await d.run(h, assignmentOf('a1', d.v1()));
    const published = d.v2();
    tamperTarget(d.repo, published.targetPath);
    await d.run(h, assignmentOf('a2', published));
    expect(h.sent.at(-1)).toEqual({ assignmentId: 'a2', state: 'failed', reason: expect.stringContaining('failed verification') });
    expect(d.states(h, 'a2')).toEqual(['downloading', 'verifying', 'failed']);
    expect([d.active(), ...(await d.links())]).toEqual(['model one', '1.0.0', null]);
    expect(readdirSync(d.layout.versionsDir('yolo'))).toEqual(['1.0.0']);
    expect(readdirSync(d.layout.downloadsDir)).toEqual([]); // bytes that failed the check are not kept to resume
  });

  it('ends an assignment as failed when the disk refuses the install, instead of leaving the rollout waiting', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(d.layout.artifactDir('yolo'), { recursive: true });
    writeFileSync(d.layout.versionsDir('yolo'), 'not a directory');
    const h = await d.harness();
    await d.run(h, assignmentOf('a1', d.v1()));
    expect(h.sent.at(-1)).toEqual({ assignmentId: 'a1', state: 'failed', reason: expect.stringContaining('the agent could not carry on') });
    expect(await d.links()).toEqual([null, null]);
  });

  it('resends terminal reports with every desired state and ignores a stale generation', async () => {
    const h = await d.harness();
    const a1 = assignmentOf('a1', d.v1());
    await d.run(h, a1);
    h.sent.length = 0;
    await h.reconciler.accept({ deviceId, generation: d.generation, assignments: [a1] });
    expect(h.sent).toEqual([{ assignmentId: 'a1', state: 'healthy' }]);
    h.sent.length = 0;
    await h.reconciler.accept({ deviceId, generation: 0, assignments: [] });
    expect(h.sent).toEqual([]);
    expect(Object.keys(h.store.current.assignments)).toEqual(['a1']);
  });

  it('does not write the journal again for a desired state that changes nothing (the answer to a hello)', async () => {
    const h = await d.harness();
    const a1 = assignmentOf('a1', d.v1());
    await d.run(h, a1);
    // Every journal write renames a new file into place: a new inode (which a later write may reuse) and mtime.
    const writtenAt = () => {
      const { ino, mtimeNs } = statSync(d.layout.stateFile, { bigint: true });
      return `${ino}@${mtimeNs}`;
    };
    const written = writtenAt();
    await h.reconciler.accept({ deviceId, generation: d.generation, assignments: [a1] }, false);
    await h.reconciler.idle();
    expect(writtenAt()).toBe(written);
    await h.reconciler.accept({ deviceId, generation: ++d.generation, assignments: [a1] }, false);
    await h.reconciler.idle();
    expect(writtenAt()).not.toBe(written);
  });

  it('journals the trace of the desired state that brought an assignment, which a later state does not replace', async () => {
    const h = await d.harness();
    const a1 = assignmentOf('a1', d.v1());
    const pushed = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await h.reconciler.accept({ deviceId, generation: ++d.generation, assignments: [a1], traceparent: pushed });
    await h.reconciler.idle();
    // The answer to a later hello comes in the hello's own trace: the assignment keeps the one it came with.
    await h.reconciler.accept({
      deviceId,
      generation: ++d.generation,
      assignments: [a1],
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    await h.reconciler.idle();
    await d.run(h, a1, assignmentOf('a2', d.v2()));
    const journal = JSON.parse(readFileSync(d.layout.stateFile, 'utf8')) as AgentState;
    expect(journal.assignments['a1']?.traceparent).toBe(pushed);
    expect(journal.assignments['a2']).not.toHaveProperty('traceparent'); // a state without one (tracing off)
  });

  it('keeps a new assignment when an older desired state arrives while the newer one is being written', async () => {
    const h = await d.harness();
    // The gateway's push of generation 1 and its answer to the hello (generation 0, read before the
    // assignment) can reach the device back to back; both are accepted before either is on disk.
    const newer = h.reconciler.accept({ deviceId, generation: 1, assignments: [assignmentOf('b1', d.v1())] });
    const older = h.reconciler.accept({ deviceId, generation: 0, assignments: [] });
    await Promise.all([newer, older]);
    await h.reconciler.idle();
    expect(h.store.current.seenGeneration).toBe(1);
    expect(d.states(h, 'b1')).toEqual(['downloading', 'verifying', 'applying', 'healthy']);
  });
});
