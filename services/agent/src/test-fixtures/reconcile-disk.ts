import { readFileSync, rmSync } from 'node:fs';
import type { Assignment } from '@keelson/events';
import { TestDeviceCa } from '@keelson/testing';
import { ArtifactSlots } from '../artifacts/artifact-slots.js';
import type { AgentState } from '../data-dir/agent-state.js';
import type { DataDirLayout } from '../data-dir/layout.js';
import { AgentHalted } from '../reconcile/reconcile-context.js';
import { simulateApplication } from '../sim/simulated-application.js';
import { issuedBy, startFakeFacade, type FakeFacade } from './fake-facade.js';
import { assignmentOf, deviceId, enrolledDataDir, fleet, reconcileHarness, type Harness, type Sent } from './reconcile-harness.js';
import { KeyedRepository } from '@keelson/tuf/testing';

/**
 * An enrolled device's data dir against a fake facade serving a TUF repository, with the reconciler
 * specs' vocabulary: two versions of `yolo` to publish, what runs, where the links point, a harness
 * whose application fails its probe on the versions in `failing`, desired states of rising generations,
 * and an agent "killed" at a chosen step of an update and started again on the same disk.
 */
export class ReconcileDisk {
  readonly failing = new Set<string>();
  /** The generation of the last desired state sent. */
  generation = 0;

  private constructor(
    readonly repo: KeyedRepository,
    readonly facade: FakeFacade,
    readonly layout: DataDirLayout,
  ) {}

  static async create(): Promise<ReconcileDisk> {
    const repo = new KeyedRepository();
    const ca = await TestDeviceCa.create(fleet);
    const facade = await startFakeFacade(fleet, repo, issuedBy(ca.certPem, fleet));
    return new ReconcileDisk(repo, facade, await enrolledDataDir(repo, facade, await ca.issue(deviceId)));
  }

  async close(): Promise<void> {
    await this.facade.close();
    rmSync(this.layout.root, { recursive: true, force: true });
  }

  v1 = () => this.repo.publish('model/yolo/1.0.0/model.onnx', Buffer.from('model one'));
  v2 = () => this.repo.publish('model/yolo/2.0.0/model.onnx', Buffer.from('model two'));
  /** The bytes the application reads now. */
  active = () => readFileSync(this.layout.activeFile('yolo', 'model.onnx'), 'utf8');
  /** Where `current` and `previous` point. */
  links = async () => {
    const slots = new ArtifactSlots(this.layout, 'yolo');
    return [await slots.read('current'), await slots.read('previous')];
  };
  /** The journal on disk. */
  journal = (): AgentState => JSON.parse(readFileSync(this.layout.stateFile, 'utf8')) as AgentState;

  harness = (onReport?: (sent: Sent) => void, onActivated?: (a: Assignment) => void): Promise<Harness> =>
    reconcileHarness(this.layout, this.facade, {
      onActivated: async (a) => {
        await simulateApplication(this.layout.root, a, !this.failing.has(a.artifact.version));
        onActivated?.(a);
      },
      ...(onReport ? { onReport } : {}),
    });

  /** Sends the next generation with `assignments` and waits until the reconciler is idle. */
  run = async (h: Harness, ...assignments: Assignment[]) => {
    await h.reconciler.accept({ deviceId, generation: ++this.generation, assignments });
    await h.reconciler.idle();
  };

  /** The states reported for one assignment, in order. */
  states = (h: Harness, id: string) => h.sent.filter((s) => s.assignmentId === id).map((s) => s.state);

  // Runs a2 until its journal reaches `phase` (or, `before`, until it is about to; or, `reported`,
  // until the agent reports it: `verifying` is reported, not journalled; or, `activated`, until its
  // version is swapped in and about to be probed, which is not journalled), then "kills" the agent there.
  crashAt = async (phase: string, tweak?: () => Promise<void>, when: 'journalled' | 'before' | 'reported' | 'activated' = 'journalled') => {
    let onReport: ((sent: Sent) => void) | undefined;
    let onActivated: ((a: Assignment) => void) | undefined;
    const first = await this.harness(
      (sent) => onReport?.(sent),
      (a) => onActivated?.(a),
    );
    await this.run(first, assignmentOf('a1', this.v1()));
    const a2 = assignmentOf('a2', this.v2());
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
    await first.reconciler.accept({ deviceId, generation: ++this.generation, assignments: [assignmentOf('a1', this.v1()), a2] });
    await stop;
    await first.reconciler.idle();
    await tweak?.();
    const second = await this.harness();
    await second.reconciler.recover();
    await second.reconciler.idle();
    return second;
  };
}
