import { hash } from 'node:crypto';
import { coveredBy, type Strategy } from '@keelson/events';

/**
 * The order a rollout visits its devices in: sorted by sha256(rolloutId + deviceId). Stable for one
 * rollout (so a replay plans the same waves), different across rollouts (so the canary is not always
 * the same device).
 */
export function orderDevices(rolloutId: string, deviceIds: readonly string[]): string[] {
  // one-shot hash: the same digest as createHash().update().digest(), without a Hash object per device
  const keyOf = (deviceId: string) => hash('sha256', `${rolloutId}${deviceId}`, 'hex');
  return [...new Set(deviceIds)]
    .map((deviceId) => ({ deviceId, key: keyOf(deviceId) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((d) => d.deviceId);
}

/** The devices wave `i` adds to the ones earlier waves already cover (possibly none for tiny groups). */
export function devicesOfWave(strategy: Strategy, wave: number, ordered: readonly string[]): string[] {
  const from = wave === 0 ? 0 : coveredBy(strategy, wave - 1, ordered.length);
  return ordered.slice(from, coveredBy(strategy, wave, ordered.length));
}

/** The wave each device belongs to, in rollout order. */
export function waveOfEachDevice(strategy: Strategy, ordered: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  strategy.waves.forEach((_, wave) => {
    for (const deviceId of devicesOfWave(strategy, wave, ordered)) out.set(deviceId, wave);
  });
  return out;
}

/** Assignment ids are part of the device contract (libs/events): the orchestrator's, the api's and the CLI's. */
export { installAssignmentId, revertAssignmentId } from '@keelson/events';
/** Shared with the api's live tally (libs/events): which devices a wave covers. */
export { coveredBy } from '@keelson/events';
