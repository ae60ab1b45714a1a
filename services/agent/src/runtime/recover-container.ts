import type { ContainerRuntime, PinnedImage } from './container-runtime.js';
import { containerNames, restorePrevious, type SwapStep } from './container-swap.js';
import { verifyImage } from './pinned-image.js';

export interface InterruptedSwap {
  artifact: string;
  /** The version the swap was installing. */
  version: string;
  /** The last step the journal holds for it; undefined when the swap never journalled one. */
  step: SwapStep | undefined;
  /** The pin the new version came with, and the one the kept previous version was installed from. */
  pin: PinnedImage;
  previousPin: PinnedImage | null;
}

/**
 * After the agent was killed in the middle of a swap, brings the artifact back to exactly one
 * running container. Before `committed` the swap is undone (the old version comes back, verified
 * again; with no old version the new one is removed); from `committed` on it is finished (the old
 * container removed, the new one started if it is not running). Returns what now runs, or why
 * nothing could be restarted. Running it twice changes nothing the second time.
 */
export async function recoverContainer(
  runtime: ContainerRuntime,
  swap: InterruptedSwap,
): Promise<{ running: string | null; refused?: string }> {
  const names = containerNames(swap.artifact);
  if (swap.step === 'committed') {
    await runtime.remove(names.previous);
    const current = await runtime.inspect(names.current);
    if (!current) return { running: null, refused: `the container of ${swap.artifact}@${swap.version} is gone` };
    if (!current.running) {
      await verifyImage(runtime, current.imageId, swap.pin);
      await runtime.start(names.current);
    }
    return { running: swap.version };
  }
  const [current, previous] = [await runtime.inspect(names.current), await runtime.inspect(names.previous)];
  if (!previous && current && current.version !== swap.version) {
    // Killed before the old container was stopped and renamed (or after the rename was undone).
    if (!current.running) {
      await verifyImage(runtime, current.imageId, swap.previousPin ?? swap.pin);
      await runtime.start(names.current);
    }
    return { running: current.version };
  }
  const refused = await restorePrevious(runtime, swap.artifact, swap.previousPin);
  if (refused) return { running: null, refused };
  return { running: previous ? previous.version : null };
}
