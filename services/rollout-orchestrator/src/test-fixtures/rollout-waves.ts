import { orderDevices } from '../rollouts/domain/wave-plan.js';
import { rolloutId, strategy, tenDevices } from './rollout-history.js';

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
