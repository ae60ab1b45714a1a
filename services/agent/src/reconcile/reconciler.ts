import { readdir, rm } from 'node:fs/promises';
import type { DesiredState, InstalledArtifact } from '@keelson/events/device-protocol';
import { ArtifactSlots } from '../artifacts/artifact-slots.js';
import { prunePartialDownloads } from '../artifacts/partial-downloads.js';
import { markApplied } from '../data-dir/agent-state.js';
import { boundedReason } from '../probes/probe-result.js';
import { runAssignment } from './assignment-workflow.js';
import { AgentHalted, type ReconcileContext } from './reconcile-context.js';

/** How the agent's loop reports trouble it cannot attribute to one assignment. */
export type ReconcileLog = (event: string, fields: Record<string, unknown>) => void;

/**
 * Turns desired states into work, one assignment at a time and in the order they arrived: a device
 * applies one update at a time, and one artifact's links are never touched by two workflows.
 */
export class Reconciler {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly ctx: ReconcileContext,
    private readonly log: ReconcileLog = () => undefined,
  ) {}

  /**
   * After a restart: empties tmp/, removes the partial downloads no assignment wants (the wanted
   * ones are resumed), repairs every artifact's links, then resumes unfinished work.
   */
  async recover(): Promise<void> {
    await rm(this.ctx.layout.tmpDir, { recursive: true, force: true });
    await prunePartialDownloads(this.ctx.layout, this.ctx.store.current);
    for (const name of await readdir(this.ctx.layout.artifactsDir).catch(() => [] as string[])) {
      await new ArtifactSlots(this.ctx.layout, name).repair();
    }
    this.kick();
  }

  /**
   * Records a desired state's new assignments (ignoring a stale generation) and starts on them.
   * It is staged, not written on its own: the first step of the work it asks for journals it (one
   * write fewer per update), and a crash before that loses only what the gateway sends again in
   * answer to the next hello (whose applied generation is still behind).
   * `resendReports` (the first desired state after a connect) re-sends every terminal report, since
   * one may have been lost with a crash or a dropped connection; later pushes of the same state (the
   * answer to a hello after an update) do not, so a fleet's inbox is not flooded with duplicates.
   */
  async accept(desired: DesiredState['data'], resendReports = true): Promise<void> {
    const { store } = this.ctx;
    if (desired.generation < store.current.seenGeneration) return;
    const wanted = new Set(desired.assignments.map((a) => a.assignmentId));
    let stale = false;
    await store.stage((draft) => {
      // Checked again here, in write order: an older state that arrived while a newer one was being
      // written (the answer to a hello racing a push) must not undo it.
      if (desired.generation < draft.seenGeneration) {
        stale = true;
        return false;
      }
      let changed = desired.generation !== draft.seenGeneration;
      draft.seenGeneration = desired.generation;
      for (const [id, record] of Object.entries(draft.assignments)) {
        // Finished or never started and no longer wanted: forget. Started ones finish (a rollback must complete).
        if (wanted.has(id) || (record.phase !== 'done' && record.phase !== 'pending')) continue;
        delete draft.assignments[id];
        changed = true;
      }
      for (const assignment of desired.assignments) {
        if (draft.assignments[assignment.assignmentId]) continue;
        draft.assignments[assignment.assignmentId] = {
          assignment,
          phase: 'pending',
          ...(desired.traceparent ? { traceparent: desired.traceparent } : {}),
        };
        changed = true;
      }
      // The same state again (the answer to every hello, a re-push): nothing to journal.
      return changed;
    });
    if (stale) return;
    // The gateway drops duplicates, so re-sending is harmless, only wasteful.
    for (const record of resendReports ? Object.values(store.current.assignments) : []) {
      if (record.phase === 'done' && record.outcome) this.ctx.report(record.assignment, record.outcome, record.reason, record.steps);
    }
    this.kick();
  }

  /** What the device runs now, for the hello: every artifact with a current version it verified. */
  async installed(): Promise<InstalledArtifact[]> {
    const { versions } = this.ctx.store.current;
    const out: InstalledArtifact[] = [];
    for (const name of Object.keys(versions).sort()) {
      const version = await new ArtifactSlots(this.ctx.layout, name).read('current');
      const kept = version === null ? undefined : versions[name]?.[version];
      if (version !== null && kept) out.push({ name, version, sha256: kept.sha256 });
    }
    return out.slice(0, 100);
  }

  /** Resolves once no assignment is in progress (tests and a clean stop wait for this). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
    });
  }

  private async drain(): Promise<void> {
    let worked = false;
    do {
      this.again = false;
      for (;;) {
        const next = Object.values(this.ctx.store.current.assignments).find((r) => r.phase !== 'done');
        if (!next) break;
        worked = true;
        try {
          await runAssignment(this.ctx, next.assignment.assignmentId);
        } catch (err) {
          if (err instanceof AgentHalted) return;
          // Disk trouble or a bug: the assignment must still end, or its rollout would wait forever.
          this.log('assignment-error', { assignmentId: next.assignment.assignmentId, error: (err as Error).message });
          if (!(await this.giveUp(next.assignment.assignmentId, err as Error))) return;
        }
      }
      await this.markApplied();
      await this.ctx.store.flush(); // a staged desired state that asked for no work
    } while (this.again);
    // After work, not at every desired state: a device that updated looks once for downloads no
    // assignment wants now (a keeping one is harmless until the next update or start).
    if (worked)
      await prunePartialDownloads(this.ctx.layout, this.ctx.store.current).catch((err: Error) =>
        this.log('prune-downloads-error', { error: err.message }),
      );
  }

  /** Ends an assignment the workflow could not carry on with: links back as the swap found them, `failed`. */
  private async giveUp(assignmentId: string, error: Error): Promise<boolean> {
    const record = this.ctx.store.record(assignmentId);
    if (!record) return true;
    try {
      let restored = '';
      if (record.swap && (record.phase === 'applying' || record.phase === 'probing' || record.phase === 'rolling_back')) {
        await new ArtifactSlots(this.ctx.layout, record.assignment.artifact.name).restore(record.swap);
        restored = '; the previous state was restored';
      }
      const reason = boundedReason(`the agent could not carry on: ${error.message}${restored}`);
      await this.ctx.store.setPhase(assignmentId, { phase: 'done', outcome: 'failed', reason });
      this.ctx.report(record.assignment, 'failed', reason, record.steps);
      return true;
    } catch (second) {
      this.log('assignment-stuck', { assignmentId, error: (second as Error).message });
      return false;
    }
  }

  /** For a desired state with nothing left to do (the assignments' own `done` usually marks it). */
  private async markApplied(): Promise<void> {
    const { seenGeneration, appliedGeneration } = this.ctx.store.current;
    if (seenGeneration > appliedGeneration) await this.ctx.store.update(markApplied);
  }
}
