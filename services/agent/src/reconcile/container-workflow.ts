import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TerminalDeviceState } from '@keelson/events';
import type { ArtifactSlots } from '../artifacts/artifact-slots.js';
import { keptVersionProblem } from '../artifacts/kept-version-check.js';
import type { AssignmentRecord } from '../data-dir/agent-state.js';
import type { PinnedImage } from '../runtime/container-runtime.js';
import { swapContainer, type SwapStep } from '../runtime/container-swap.js';
import { pinnedImageOf } from '../runtime/pinned-image.js';
import { pruneImages } from '../runtime/prune-images.js';
import { recoverContainer } from '../runtime/recover-container.js';
import { rolledBackReason } from '../probes/probe-result.js';
import type { ReconcileContext } from './reconcile-context.js';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The `applying` step of a container artifact. The kept versions and their `current`/`previous`
 * links hold the image manifests (the TUF targets), so which version runs and which is kept stays
 * on disk like for files; the containers follow them through the runtime. Each version's pin is read
 * from its kept manifest, re-verified against its TUF target first, so a revert or a rollback checks
 * what it restores exactly as an install does. The swap's own steps are journalled with the record
 * (`containerStep`): after a crash the swap is first recovered to one running version.
 */
export async function applyContainer(
  ctx: ReconcileContext,
  record: AssignmentRecord,
  slots: ArtifactSlots,
  finish: (outcome: TerminalDeviceState, reason?: string) => Promise<void>,
): Promise<void> {
  const { assignment } = record;
  const { artifact } = assignment;
  const swap = record.swap!;
  const to = swap.to!;
  const containers = ctx.containers;
  if (!containers) return finish('failed', `${artifact.name} is a container artifact and this agent runs no container runtime`);
  const pinOf = async (version: string): Promise<PinnedImage> => {
    const kept = ctx.store.current.versions[artifact.name]?.[version];
    const problem = await keptVersionProblem(ctx.layout, artifact.name, version, kept);
    if (problem || !kept) throw new Error(problem ?? `${artifact.name}@${version} is not kept`);
    return pinnedImageOf(await readFile(join(ctx.layout.versionDir(artifact.name, version), kept.basename)), kept.sha256);
  };
  let pin: PinnedImage;
  try {
    pin = await pinOf(to);
  } catch (err) {
    return finish('failed', `cannot run ${artifact.name}@${to}: ${message(err)}`);
  }
  const previousPin = swap.fromCurrent === null ? null : await pinOf(swap.fromCurrent).catch(() => null);
  const committed = async () => {
    await slots.apply(swap);
    await finish('healthy');
    // Then the images no kept version needs go (after the report: the outcome does not wait on them).
    // When the kept previous version cannot be read back, nothing goes: its image may still be wanted.
    if (swap.fromCurrent !== null && !previousPin) return;
    await pruneImages(containers.runtime, containers.source, artifact.name, previousPin ? [pin, previousPin] : [pin]).catch(() => []);
  };
  if (record.containerStep) {
    const recovered = await recoverContainer(containers.runtime, {
      artifact: artifact.name,
      version: to,
      step: record.containerStep,
      pin,
      previousPin,
    });
    if (record.containerStep === 'committed' && !recovered.refused) return committed();
    if (recovered.refused) return finish('failed', recovered.refused);
    // The interrupted swap is undone: it starts again from the pull.
  }
  const journal = async (step: SwapStep) => {
    await ctx.store.setPhase(assignment.assignmentId, { phase: 'applying', containerStep: step });
    ctx.checkpoint();
  };
  const versionFile = join(ctx.layout.versionDir(artifact.name, to), ctx.store.current.versions[artifact.name]![to]!.basename);
  const probe = async () => {
    await ctx.activated(assignment, versionFile);
    const result = await ctx.probe(assignment, versionFile);
    ctx.checkpoint();
    return result;
  };
  const result = await swapContainer(
    {
      runtime: containers.runtime,
      journal,
      probe,
      runOptions: containers.runOptions,
      ...(containers.failpoint ? { failpoint: containers.failpoint } : {}),
    },
    containers.source,
    { artifact: artifact.name, version: to, pin },
    previousPin,
  );
  if (result.outcome === 'healthy') return committed();
  if (result.outcome === 'rolled_back' && assignment.action === 'revert')
    return finish('failed', `reverted, but the probe failed: ${result.reason}`);
  if (result.outcome === 'rolled_back') return finish('rolled_back', rolledBackReason(result.reason, artifact.name, swap.fromCurrent));
  return finish(result.outcome, result.reason);
}
