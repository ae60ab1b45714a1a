import { given } from '@keelson/domain-kit';
import {
  aborted,
  created,
  exclude,
  excluded,
  finished,
  outcome,
  report,
  rolloutId,
  strategy,
  tenDevices,
  waveStarted,
} from '../../test-fixtures/rollout-history.js';
import { rolloutDecider } from './rollout.decider.js';
import { orderDevices } from './wave-plan.js';

const order = orderDevices(rolloutId, tenDevices);
const [canary] = order as [string];
const auto3 = strategy([
  [10, 'auto'],
  [50, 'auto'],
  [100, 'auto'],
]);
const wave0 = [...created(auto3), ...waveStarted(0, [canary])];
const two = orderDevices(rolloutId, ['d-00', 'd-01']);
const oneWave = strategy([[100, 'auto']]);

describe('rollout aggregate: devices that are no longer live targets', () => {
  it('stops waiting for an excluded device and starts the wave that was waiting for it', () => {
    given(rolloutDecider, wave0)
      .when(exclude(canary))
      .then([excluded(canary), ...waveStarted(1, order.slice(1, 5))]);
  });

  it('leaves an excluded device out of the wave it belongs to', () => {
    given(rolloutDecider, [...wave0, excluded(order[2]!)])
      .when(report(canary, 'healthy'))
      .then([outcome(canary, 'healthy'), ...waveStarted(1, [order[1]!, order[3]!, order[4]!])]);
  });

  it('finishes succeeded when every live device is healthy', () => {
    given(rolloutDecider, [...created(oneWave, ['d-00', 'd-01']), ...waveStarted(0, two), outcome(two[0]!, 'healthy')])
      .when(exclude(two[1]!))
      .then([excluded(two[1]!), finished('succeeded')]);
  });

  it('finishes failed when no live device is left to update', () => {
    given(rolloutDecider, [...created(oneWave, ['d-00']), ...waveStarted(0, ['d-00'])])
      .when(exclude('d-00'))
      .then([excluded('d-00'), finished('failed')]);
  });

  it('ignores the later report of a device it excluded', () => {
    given(rolloutDecider, [...wave0, excluded(canary), ...waveStarted(1, order.slice(1, 5))])
      .when(report(canary, 'rolled_back'))
      .then([]);
  });

  describe('ignores excluding', () => {
    it('a device that already ended its update, or one excluded already', () => {
      given(rolloutDecider, [...wave0, outcome(canary, 'healthy'), ...waveStarted(1, order.slice(1, 5))])
        .when(exclude(canary))
        .then([]);
      given(rolloutDecider, [...wave0, excluded(order[7]!)])
        .when(exclude(order[7]!))
        .then([]);
    });
    it('a device outside the rollout, or in an aborted rollout', () => {
      given(rolloutDecider, wave0).when(exclude('d-stranger')).then([]);
      given(rolloutDecider, [...wave0, aborted('keep')])
        .when(exclude(canary))
        .then([]);
    });
  });
});
