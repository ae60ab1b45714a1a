import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TerminalDeviceState } from '@keelson/events/device-protocol';
import { ArtifactSlots } from '../artifacts/artifact-slots.js';
import { fileDigest } from '../artifacts/file-digest.js';
import { keptVersionProblem } from '../artifacts/kept-version-check.js';
import { markApplied, type AgentState, type AssignmentRecord, type SwapRecord } from '../data-dir/agent-state.js';
import { basenameOf } from '../data-dir/layout.js';
import { boundedReason, rolledBackReason } from '../probes/probe-result.js';
import { VerificationFailed } from '../tuf/downloads-on-demand.js';
import { applyContainer } from './container-workflow.js';
import type { ReconcileContext } from './reconcile-context.js';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Drives one assignment from its journalled phase to a terminal report. Each pass of the loop does
 * one step and journals the next phase before acting on it, so a restart resumes from the last
 * safe point: nothing before `applying` has touched the links, `applying` is idempotent (it swaps,
 * then probes, so a crash while probing swaps to the same links and probes again), `rolling_back`
 * restores again.
 */
export async function runAssignment(ctx: ReconcileContext, assignmentId: string): Promise<void> {
  for (;;) {
    ctx.checkpoint();
    const record = ctx.store.record(assignmentId);
    if (!record || record.phase === 'done') return;
    await step(ctx, record);
  }
}

/**
 * The assignment whose version this agent run has just downloaded, verified and installed (or found
 * intact), by context: its `applying` step need not read the version back and hash it again. A
 * restarted agent has a new context, so after a crash `applying` checks the version on disk.
 */
const installedThisRun = new WeakMap<ReconcileContext, string>();

async function step(ctx: ReconcileContext, record: AssignmentRecord): Promise<void> {
  const { assignment, phase } = record;
  const { artifact } = assignment;
  const id = assignment.assignmentId;
  const slots = new ArtifactSlots(ctx.layout, artifact.name);
  const versionFile = join(ctx.layout.versionDir(artifact.name, artifact.version), basenameOf(artifact.targetPath));
  let verifyingAt: string | undefined; // reported, not yet journalled (see enter)
  const stepsSoFar = () => ({ ...ctx.store.record(id)?.steps, ...(verifyingAt ? { verifying: verifyingAt } : {}) });
  const finish = async (outcome: TerminalDeviceState, reason?: string) => {
    const why = reason === undefined ? {} : { reason: boundedReason(reason) };
    const steps = verifyingAt ? { steps: stepsSoFar() } : {};
    // The generation counts as applied in the same write when this was its last assignment.
    await ctx.store.setPhase(id, { phase: 'done', outcome, ...why, ...steps }, markApplied);
    ctx.report(assignment, outcome, why.reason, ctx.store.record(id)?.steps);
    const pruned = await slots.prune().catch(() => [] as string[]); // keeping an extra version is harmless
    if (pruned.length) await ctx.store.update((draft) => pruned.forEach((v) => delete draft.versions[artifact.name]?.[v]));
  };
  const enter = async (
    next: AssignmentRecord['phase'],
    fields: Partial<AssignmentRecord> = {},
    announce = true,
    alongside?: (draft: AgentState) => void,
  ) => {
    const isStep = next === 'downloading' || next === 'verifying' || next === 'applying';
    const at = new Date().toISOString();
    if (next === 'verifying') {
      // `verifying` would resume as `downloading` does (the refresh again, the half download gone
      // with tmp/): it is not written on its own, which saves a write, a file creation, a rename and
      // two fsyncs per update. Its time goes into this step's next write (`applying` or the outcome).
      // A journal an older agent left in `verifying` still resumes (below).
      verifyingAt = at;
    } else {
      // The step's time is journalled with it (no extra write), so an outcome after a restart still has it.
      const steps = isStep ? { steps: { ...stepsSoFar(), [next]: at } } : {};
      await ctx.store.setPhase(id, { ...fields, ...steps, phase: next }, alongside);
    }
    if (announce && isStep) ctx.report(assignment, next);
  };
  const probe = async () => {
    const active = ctx.layout.activeFile(artifact.name, basenameOf(artifact.targetPath));
    await ctx.activated(assignment, active);
    const result = await ctx.probe(assignment, active);
    ctx.checkpoint();
    if (result.ok) return finish('healthy');
    if (assignment.action === 'revert') return finish('failed', `reverted, but the probe failed: ${result.reason}`);
    return enter('rolling_back', { reason: boundedReason(result.reason) });
  };
  const keptIntact = async () => {
    if (!(await slots.hasVersion(artifact.version))) return false;
    const digest = await fileDigest(versionFile).catch(() => null);
    return digest?.sha256 === artifact.sha256 && digest.length === artifact.length;
  };

  switch (phase) {
    case 'pending':
    case 'downloading':
    case 'verifying': {
      if (assignment.action === 'revert') return planRevert(ctx, record, slots, finish, enter);
      await enter('downloading');
      let updater;
      try {
        updater = await ctx.downloads.refresh(artifact.targetPath);
      } catch (err) {
        return finish('failed', `could not fetch the fleet's signed metadata: ${message(err)}`);
      }
      ctx.checkpoint();
      await enter('verifying');
      let file: string;
      try {
        file = await ctx.downloads.download(updater, artifact);
      } catch (err) {
        return finish(
          'failed',
          err instanceof VerificationFailed ? err.message : `could not fetch ${artifact.targetPath}: ${message(err)}`,
        );
      }
      ctx.checkpoint();
      const [current, previous] = [await slots.read('current'), await slots.read('previous')];
      // Re-installing the running version must not pull the live directory away: keep it if intact.
      const live = current === artifact.version && (await keptIntact());
      if (live) await rm(file, { force: true });
      else await slots.install(artifact.version, file, basenameOf(artifact.targetPath));
      const swap: SwapRecord = live
        ? { fromCurrent: previous, fromPrevious: previous, to: artifact.version }
        : { fromCurrent: current, fromPrevious: previous, to: artifact.version };
      // The version is recorded with the `applying` phase, in one write: a crash before it resumes
      // from the download (the version is installed again), after it applies a recorded version.
      const keep = (draft: AgentState) => {
        (draft.versions[artifact.name] ??= {})[artifact.version] = {
          sha256: artifact.sha256,
          length: artifact.length,
          basename: basenameOf(artifact.targetPath),
        };
      };
      installedThisRun.set(ctx, id);
      return enter('applying', { swap }, true, keep);
    }
    case 'applying': {
      const swap = record.swap!;
      if (assignment.action === 'revert' && (swap.to === null || !(await slots.hasVersion(swap.to)))) {
        return finish('failed', `cannot revert ${artifact.name}@${artifact.version}: the previous version is gone`);
      }
      if (assignment.action === 'revert') {
        // Reverting re-verifies what it restores, like an install: a kept version changed on disk is refused.
        const problem = await restoreProblem(ctx, artifact.name, swap.to);
        if (problem) {
          await slots.restore(swap); // a restart may find the links half-moved: put them back first
          return finish('failed', `cannot revert ${artifact.name}@${artifact.version}: ${problem}`);
        }
      }
      const justInstalled = installedThisRun.get(ctx) === id;
      installedThisRun.delete(ctx);
      if (assignment.action === 'install' && !justInstalled && !(await keptIntact())) {
        await slots.restore(swap); // the version never fully arrived: fetch it again from a clean state
        return enter('downloading', { swap: undefined }, false);
      }
      if (artifact.kind === 'container') return applyContainer(ctx, record, slots, finish);
      try {
        await slots.apply(swap);
      } catch (err) {
        const recovered = await slots.restore(swap).then(
          () => true,
          () => false,
        );
        return finish(
          'failed',
          `could not apply ${artifact.name}@${artifact.version}: ${message(err)}${recovered ? '' : '; the previous state could not be restored'}`,
        );
      }
      // Probed in the same pass, with no `probing` write: a crash while probing resumes at
      // `applying`, which applies the same swap again (it is idempotent) and probes again.
      return probe();
    }
    case 'probing': // left by an older agent, which journalled it after the swap
      return probe();
    case 'rolling_back': {
      const problem = await restoreProblem(ctx, artifact.name, record.swap!.fromCurrent);
      if (problem) return finish('failed', `${record.reason ?? 'probe failed'}; the previous version is not restored: ${problem}`);
      try {
        await slots.restore(record.swap!);
      } catch (err) {
        return finish('failed', `${record.reason ?? 'probe failed'}; the previous version could not be restored: ${message(err)}`);
      }
      if (record.swap!.fromCurrent !== null)
        await ctx.restored?.(assignment, ctx.layout.activeFile(artifact.name, basenameOf(artifact.targetPath)));
      return finish('rolled_back', rolledBackReason(record.reason ?? 'probe failed', artifact.name, record.swap!.fromCurrent));
    }
    case 'done':
      return;
  }
}

/** Why a kept version must not become active again (null: intact, or no version to restore). */
async function restoreProblem(ctx: ReconcileContext, name: string, version: string | null): Promise<string | null> {
  if (version === null) return null;
  return keptVersionProblem(ctx.layout, name, version, ctx.store.current.versions[name]?.[version]);
}

/** A revert: go back to the kept previous version only if this rollout's version is the one running. */
async function planRevert(
  ctx: ReconcileContext,
  record: AssignmentRecord,
  slots: ArtifactSlots,
  finish: (outcome: TerminalDeviceState, reason?: string) => Promise<void>,
  enter: (next: AssignmentRecord['phase'], fields?: Partial<AssignmentRecord>) => Promise<void>,
): Promise<void> {
  const { name, version } = record.assignment.artifact;
  const current = await slots.read('current');
  if (current !== version) return finish('healthy', `nothing to revert: ${name} runs ${current ?? 'no version'}, not ${version}`);
  const previous = await slots.read('previous');
  if (previous === null || previous === version || !(await slots.hasVersion(previous))) {
    return finish('failed', `cannot revert ${name}@${version}: no previous version is kept`);
  }
  await enter('applying', { swap: { fromCurrent: version, fromPrevious: previous, to: previous } });
}
