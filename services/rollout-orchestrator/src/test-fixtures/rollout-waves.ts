import { orderDevices } from '../rollouts/domain/wave-plan.js';
import { created, rolloutId, strategy, tenDevices, waveStarted } from './rollout-history.js';

// Ten devices in their wave order, the first the canary, and two three-wave strategies: all automatic, or a gate before the second.
export const order = orderDevices(rolloutId, tenDevices);
export const [canary] = order as [string];
export const auto3 = strategy([
  [10, 'auto'],
  [50, 'auto'],
  [100, 'auto'],
]);
export const manual2nd = strategy([
  [10, 'auto'],
  [50, 'manual'],
  [100, 'auto'],
]);

// With a device timeout (600 seconds unless told): the first wave of the automatic strategy started, and the halt rule's reason.
export const withTimeout = (s: ReturnType<typeof strategy>, deviceTimeoutSeconds = 600) => ({ ...s, deviceTimeoutSeconds });
export const wave0 = [...created(withTimeout(auto3)), ...waveStarted(0, [canary])];
export const wave1 = order.slice(1, 5);
export const tripped = 'halt rule: 1 device(s) rolled back or failed, 0 tolerated';
