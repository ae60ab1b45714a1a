import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Assignment } from '@keelson/events';
import { TestDeviceCa } from '@keelson/testing';
import { KeyedRepository } from '@keelson/tuf/testing';
import { ArtifactSlots } from '../artifacts/artifact-slots.js';
import type { DataDirLayout } from '../data-dir/layout.js';
import { simulateApplication } from '../sim/simulated-application.js';
import { issuedBy, startFakeFacade, type FakeFacade } from '../test-fixtures/fake-facade.js';
import { assignmentOf, deviceId, enrolledDataDir, fleet, reconcileHarness, type Harness } from '../test-fixtures/reconcile-harness.js';

describe('every revert re-verifies the version it restores against its TUF target', () => {
  let repo: KeyedRepository;
  let facade: FakeFacade;
  let layout: DataDirLayout;
  let failing: Set<string>;
  let generation = 0;
  const v1 = () => repo.publish('model/yolo/1.0.0/model.onnx', Buffer.from('model one'));
  const v2 = () => repo.publish('model/yolo/2.0.0/model.onnx', Buffer.from('model two'));
  const active = () => readFileSync(layout.activeFile('yolo', 'model.onnx'), 'utf8');
  const links = async () => {
    const slots = new ArtifactSlots(layout, 'yolo');
    return [await slots.read('current'), await slots.read('previous')];
  };
  const tamperKept = (version: string) =>
    writeFileSync(join(layout.versionDir('yolo', version), 'model.onnx'), 'model one, edited on the device');
  const harness = () =>
    reconcileHarness(layout, facade, { onActivated: (a) => simulateApplication(layout.root, a, !failing.has(a.artifact.version)) });
  const run = async (h: Harness, ...assignments: Assignment[]) => {
    await h.reconciler.accept({ deviceId, generation: ++generation, assignments });
    await h.reconciler.idle();
  };

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

  it('refuses an operator revert to a kept version whose bytes changed, and leaves the running version', async () => {
    const h = await harness();
    await run(h, assignmentOf('a1', v1()));
    const second = assignmentOf('a2', v2());
    await run(h, second);
    tamperKept('1.0.0');
    await run(h, { ...second, assignmentId: 'a2-r', action: 'revert' });
    expect(h.sent.at(-1)).toEqual({
      assignmentId: 'a2-r',
      state: 'failed',
      reason: expect.stringContaining('yolo@1.0.0 no longer matches its TUF target'),
    });
    expect([active(), ...(await links())]).toEqual(['model two', '2.0.0', '1.0.0']);
  });

  it('refuses to roll a failed probe back onto a kept version whose bytes changed', async () => {
    const h = await harness();
    await run(h, assignmentOf('a1', v1()));
    tamperKept('1.0.0');
    failing.add('2.0.0');
    await run(h, assignmentOf('a2', v2()));
    expect(h.sent.at(-1)).toEqual({
      assignmentId: 'a2',
      state: 'failed',
      reason: expect.stringMatching(/previous version is not restored: yolo@1.0.0 no longer matches/),
    });
    expect(active()).toBe('model two');
  });

  it('still reverts to an intact kept version', async () => {
    const h = await harness();
    await run(h, assignmentOf('a1', v1()));
    const second = assignmentOf('a2', v2());
    await run(h, second);
    await run(h, { ...second, assignmentId: 'a2-r', action: 'revert' });
    expect(h.sent.at(-1)).toMatchObject({ assignmentId: 'a2-r', state: 'healthy' });
    expect(active()).toBe('model one');
  });
});
