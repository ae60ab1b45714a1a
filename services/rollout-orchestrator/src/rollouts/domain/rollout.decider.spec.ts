import { given, InvalidInput, NotFound, RuleViolation } from '@keelson/domain-kit';
import {
  approve,
  approved,
  awaiting,
  createCommand,
  created,
  finished,
  outcome,
  ref,
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
const manual2nd = strategy([
  [10, 'auto'],
  [50, 'manual'],
  [100, 'auto'],
]);
const healthy = (ids: string[]) => ids.map((d) => outcome(d, 'healthy'));

describe('rollout aggregate: creation and waves', () => {
  describe('when created', () => {
    it('records its devices in a stable wave order and starts an auto first wave with the canary', () => {
      given(rolloutDecider, [])
        .when(createCommand(auto3))
        .then([...created(auto3), ...waveStarted(0, [canary])]);
    });

    it('waits for approval when the first wave has a manual gate', () => {
      const s = strategy([
        [10, 'manual'],
        [100, 'auto'],
      ]);
      given(rolloutDecider, [])
        .when(createCommand(s))
        .then([...created(s), awaiting(0)]);
    });

    it('refuses to be created twice', () => {
      given(rolloutDecider, [...created(auto3)])
        .when(createCommand(auto3))
        .thenThrows(RuleViolation, 'rollout.exists');
    });

    it('refuses a group without devices', () => {
      given(rolloutDecider, []).when(createCommand(auto3, [])).thenThrows(InvalidInput, 'group.empty');
    });

    it('does not know commands for a rollout that was never created', () => {
      given(rolloutDecider, []).when(approve()).thenThrows(NotFound, 'rollout.not-found');
      given(rolloutDecider, []).when(report(canary, 'healthy')).thenThrows(NotFound, 'rollout.not-found');
    });
  });

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

  describe('at a manual gate', () => {
    const waiting = [...created(manual2nd), ...waveStarted(0, [canary]), outcome(canary, 'healthy'), awaiting(1)];

    it('waits for approval once the earlier waves are healthy', () => {
      given(rolloutDecider, [...created(manual2nd), ...waveStarted(0, [canary])])
        .when(report(canary, 'healthy'))
        .then([outcome(canary, 'healthy'), awaiting(1)]);
    });

    it('starts the wave when approved, named or not', () => {
      given(rolloutDecider, waiting)
        .when(approve())
        .then([approved(1), ...waveStarted(1, order.slice(1, 5))]);
      given(rolloutDecider, waiting)
        .when(approve(1))
        .then([approved(1), ...waveStarted(1, order.slice(1, 5))]);
    });

    it('treats approving a gate already opened, or a rollout that is not waiting, as a no-op', () => {
      given(rolloutDecider, waiting).when(approve(0)).then([]);
      given(rolloutDecider, [...waiting, approved(1), ...waveStarted(1, order.slice(1, 5))])
        .when(approve())
        .then([]);
      given(rolloutDecider, [...created(auto3), ...waveStarted(0, [canary])])
        .when(approve())
        .then([]);
    });

    it('refuses to approve a later wave than the one waiting', () => {
      given(rolloutDecider, waiting).when(approve(2)).thenThrows(RuleViolation, 'wave.not-awaiting-approval');
    });

    it('opens the gate of a manual first wave', () => {
      const s = strategy([
        [10, 'manual'],
        [100, 'auto'],
      ]);
      given(rolloutDecider, [...created(s), awaiting(0)])
        .when(approve())
        .then([approved(0), ...waveStarted(0, [canary])]);
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
