import { given } from '@keelson/domain-kit';
import { created, finished, outcome, ref, report, rolloutId, strategy, waveStarted } from '../../test-fixtures/rollout-history.js';
import { auto3, canary, manual2nd, order } from '../../test-fixtures/rollout-waves.js';
import { rolloutDecider } from './rollout.decider.js';
import { orderDevices } from './wave-plan.js';

const healthy = (ids: string[]) => ids.map((d) => outcome(d, 'healthy'));

describe('rollout aggregate: creation and waves', () => {
  describe('when devices report', () => {
    const wave0 = [...created(auto3), ...waveStarted(0, [canary])];

    it('starts the next auto wave once every device of earlier waves is healthy', () => {
      given(rolloutDecider, wave0)
        .when(report(canary, 'healthy'))
        .then([outcome(canary, 'healthy'), ...waveStarted(1, order.slice(1, 5))]);
    });

    it('waits while a device of an earlier wave is still updating', () => {
      const history = [...wave0, outcome(canary, 'healthy'), ...waveStarted(1, order.slice(1, 5))];
      given(rolloutDecider, history)
        .when(report(order[1]!, 'healthy'))
        .then([outcome(order[1]!, 'healthy')]);
    });

    it('advances past failures the halt rule tolerates', () => {
      const s = strategy(
        [
          [10, 'auto'],
          [100, 'auto'],
        ],
        1,
      );
      given(rolloutDecider, [...created(s), ...waveStarted(0, [canary])])
        .when(report(canary, 'rolled_back', undefined, 'probe failed'))
        .then([outcome(canary, 'rolled_back', 'probe failed'), ...waveStarted(1, order.slice(1))]);
    });

    it('finishes succeeded when the last device is healthy', () => {
      const s = strategy([[100, 'auto']]);
      const history = [
        ...created(s, ['d-00', 'd-01']),
        ...waveStarted(0, orderDevices(rolloutId, ['d-00', 'd-01'])),
        outcome('d-00', 'healthy'),
      ];
      given(rolloutDecider, history)
        .when(report('d-01', 'healthy'))
        .then([outcome('d-01', 'healthy'), finished('succeeded')]);
    });

    it('finishes failed when every device is done but one was not healthy', () => {
      const s = strategy([[100, 'auto']], 1);
      const history = [
        ...created(s, ['d-00', 'd-01']),
        ...waveStarted(0, orderDevices(rolloutId, ['d-00', 'd-01'])),
        outcome('d-00', 'failed'),
      ];
      given(rolloutDecider, history)
        .when(report('d-01', 'healthy'))
        .then([outcome('d-01', 'healthy'), finished('failed')]);
    });

    it('passes straight through a wave that adds no device, gate or not', () => {
      const two = orderDevices(rolloutId, ['d-00', 'd-01']);
      const history = [...created(manual2nd, ['d-00', 'd-01']), ...waveStarted(0, [two[0]!])];
      given(rolloutDecider, history)
        .when(report(two[0]!, 'healthy'))
        .then([outcome(two[0]!, 'healthy'), ...waveStarted(1, []), ...waveStarted(2, [two[1]!])]);
    });

    describe('ignores', () => {
      const history = [...wave0];
      it('a second report about the same device', () => {
        given(rolloutDecider, [...history, outcome(canary, 'rolled_back')])
          .when(report(canary, 'healthy'))
          .then([]);
      });
      it('a device of a wave that has not started', () => {
        given(rolloutDecider, history).when(report(order[5]!, 'healthy')).then([]);
      });
      it('a device outside the rollout', () => {
        given(rolloutDecider, history).when(report('d-stranger', 'healthy')).then([]);
      });
      it("the revert assignment, and another rollout's assignment", () => {
        given(rolloutDecider, history)
          .when(report(canary, 'healthy', `${rolloutId}-${canary}-r`))
          .then([]);
        given(rolloutDecider, history)
          .when(report(canary, 'healthy', `r-ffffffffffff-${canary}`))
          .then([]);
      });
    });
  });
  it('finishes a whole rollout wave by wave', () => {
    const history = [
      ...created(auto3),
      ...waveStarted(0, [canary]),
      ...healthy([canary]),
      ...waveStarted(1, order.slice(1, 5)),
      ...healthy(order.slice(1, 5)),
      ...waveStarted(2, order.slice(5)),
    ];
    given(rolloutDecider, [...history, ...healthy(order.slice(5, 9))])
      .when(report(order[9]!, 'healthy'))
      .then([outcome(order[9]!, 'healthy'), finished('succeeded')]);
    expect(ref.rolloutId).toBe(rolloutId);
  });
});
