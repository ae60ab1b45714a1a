import type { ProbeResult } from '../probes/probe-result.js';
import type { ContainerRuntime, PinnedImage, PullSource } from './container-runtime.js';
import { verifyImage } from './pinned-image.js';
import type { SwapFailpoint } from './swap-failpoint.js';

/** Journalled before the step it names, so a restarted agent knows which side of the swap it is on. */
export type SwapStep = 'swapping' | 'committed';

export interface ContainerSwapDeps {
  runtime: ContainerRuntime;
  /** Writes the step durably (the agent's journal) before the swap acts on it. */
  journal: (step: SwapStep) => Promise<void>;
  /** The rollout's probe of the new container (command/HTTP probe machinery). */
  probe: () => Promise<ProbeResult>;
  /** `run` options from the agent's configuration, e.g. `--network=host`. */
  runOptions: readonly string[];
  /** Crash tests only (`KEELSON_FAILPOINT`): called as the swap passes each of its steps. */
  failpoint?: SwapFailpoint;
}

export interface ContainerTarget {
  artifact: string;
  version: string;
  pin: PinnedImage;
}

export type SwapOutcome = { outcome: 'healthy' } | { outcome: 'rolled_back'; reason: string } | { outcome: 'failed'; reason: string };

/**
 * The stable name of an artifact's running container, and of the stopped one kept during a swap.
 * Running ones start `keelson-`, kept ones `keelson.previous-`: with a suffix instead, an artifact
 * called `web-previous` would collide with `web`'s kept container.
 */
export const containerNames = (artifact: string) => ({ current: `keelson-${artifact}`, previous: `keelson.previous-${artifact}` });

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Replaces an artifact's container by a new version: pull, verify, stop the old one (kept under
 * the `previous` name), start the new one under the stable name, probe. A passing probe removes
 * the old container; a failing one removes the new container and restarts the old one, but only
 * after its image is verified again against the pin it was installed from (`previousPin`).
 */
export async function swapContainer(
  deps: ContainerSwapDeps,
  source: PullSource,
  target: ContainerTarget,
  previousPin: PinnedImage | null,
): Promise<SwapOutcome> {
  const { runtime, failpoint } = deps;
  const names = containerNames(target.artifact);
  let imageId: string;
  try {
    imageId = await runtime.pull(source, target.artifact, target.pin);
    await verifyImage(runtime, imageId, target.pin);
  } catch (err) {
    return { outcome: 'failed', reason: `${target.artifact}@${target.version}: ${message(err)}` };
  }
  failpoint?.('loaded');
  await deps.journal('swapping');
  await runtime.remove(names.previous); // a stale one from an older swap: its version is no longer kept
  if (await runtime.inspect(names.current)) {
    await runtime.stop(names.current);
    await runtime.rename(names.current, names.previous);
    failpoint?.('old-stopped');
  }
  let probe: ProbeResult | undefined;
  try {
    await runtime.create({
      name: names.current,
      imageId,
      artifact: target.artifact,
      version: target.version,
      digest: target.pin.digest,
      runOptions: deps.runOptions,
    });
    await runtime.start(names.current);
  } catch (err) {
    probe = { ok: false, reason: `could not start ${target.artifact}@${target.version}: ${message(err)}` };
  }
  if (!probe) failpoint?.('new-started');
  // A probe that throws (the agent stopping) leaves the swap as it is: the journal's step recovers it.
  if (!probe) {
    const probing = deps.probe();
    failpoint?.('probing'); // the probe has begun: a kill here lands while it waits or tries
    probe = await probing;
  }
  if (probe.ok) {
    await deps.journal('committed');
    failpoint?.('committed');
    await runtime.remove(names.previous);
    return { outcome: 'healthy' };
  }
  const restored = await restorePrevious(runtime, target.artifact, previousPin, failpoint);
  return restored === null
    ? { outcome: 'rolled_back', reason: probe.reason }
    : { outcome: 'failed', reason: `${probe.reason}; ${restored}` };
}

/**
 * Removes the artifact's current container and brings back the kept previous one, verified.
 * Returns null when done (or when there was nothing to bring back), else why it refused.
 */
export async function restorePrevious(
  runtime: ContainerRuntime,
  artifact: string,
  previousPin: PinnedImage | null,
  failpoint?: SwapFailpoint,
): Promise<string | null> {
  const names = containerNames(artifact);
  await runtime.remove(names.current);
  failpoint?.('restoring');
  const previous = await runtime.inspect(names.previous);
  if (!previous) return null; // a first install: nothing ran before it
  if (!previousPin) return `the previous container of ${artifact} has no recorded pin: it is not restarted`;
  try {
    await verifyImage(runtime, previous.imageId, previousPin);
  } catch (err) {
    return `the previous version ${previous.version} of ${artifact} is not restarted: ${message(err)}`;
  }
  await runtime.rename(names.previous, names.current);
  await runtime.start(names.current);
  return null;
}
