import { given, RuleViolation } from '@keelson/domain-kit';
import {
  abort,
  aborted,
  approve,
  awaiting,
  created,
  finished,
  halt,
  halted,
  outcome,
  report,
  resume,
  resumed,
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
const wave1 = order.slice(1, 5);
const tripped = 'halt rule: 1 device(s) rolled back or failed, 0 tolerated';

describe('rollout aggregate: halt rule, halt, resume, abort', () => {
  describe('the halt rule', () => {
    it('halts the rollout by itself when failures exceed the tolerance, before the next wave', () => {
      given(rolloutDecider, wave0)
        .when(report(canary, 'rolled_back', undefined, 'probe failed'))
        .then([outcome(canary, 'rolled_back', 'probe failed'), halted(tripped, true)]);
    });

    it('counts failed like rolled back', () => {
      given(rolloutDecider, wave0)
        .when(report(canary, 'failed'))
        .then([outcome(canary, 'failed'), halted(tripped, true)]);
    });

    it('tolerates up to maxFailures and halts on the next one', () => {
      const s = strategy(
        [
          [50, 'auto'],
          [100, 'auto'],
        ],
        1,
      );
      const first = orderDevices(rolloutId, tenDevices).slice(0, 5);
      const history = [...created(s), ...waveStarted(0, first), outcome(first[0]!, 'failed')];
      given(rolloutDecider, history)
        .when(report(first[1]!, 'rolled_back'))
        .then([outcome(first[1]!, 'rolled_back'), halted('halt rule: 2 device(s) rolled back or failed, 1 tolerated', true)]);
    });
  });

  describe('operator halt and resume', () => {
    it('halts a running rollout, and treats halting twice as a no-op', () => {
      given(rolloutDecider, wave0)
        .when(halt('maintenance window'))
        .then([halted('maintenance window', false)]);
      given(rolloutDecider, [...wave0, halted('maintenance window', false)])
        .when(halt())
        .then([]);
    });

    it('does not widen while halted, but still records what devices report', () => {
      given(rolloutDecider, [...wave0, halted('x', false)])
        .when(report(canary, 'healthy'))
        .then([outcome(canary, 'healthy')]);
    });

    it('resumes and starts the wave that became due while halted', () => {
      given(rolloutDecider, [...wave0, halted('x', false), outcome(canary, 'healthy')])
        .when(resume)
        .then([resumed, ...waveStarted(1, wave1)]);
    });

    it('acknowledges the failures that caused an automatic halt: resuming does not halt again on them', () => {
      const history = [...wave0, outcome(canary, 'rolled_back'), halted(tripped, true)];
      given(rolloutDecider, history)
        .when(resume)
        .then([resumed, ...waveStarted(1, wave1)]);
    });

    it('halts again on a new failure after a resume', () => {
      const history = [...wave0, outcome(canary, 'rolled_back'), halted(tripped, true), resumed, ...waveStarted(1, wave1)];
      given(rolloutDecider, history)
        .when(report(wave1[0]!, 'failed'))
        .then([outcome(wave1[0]!, 'failed'), halted(tripped, true)]);
    });

    it('treats resuming a rollout that is not halted as a no-op', () => {
      given(rolloutDecider, wave0).when(resume).then([]);
    });

    it('halts at a manual gate and waits at the gate again after resuming', () => {
      const s = strategy([
        [10, 'auto'],
        [100, 'manual'],
      ]);
      const history = [...created(s), ...waveStarted(0, [canary]), outcome(canary, 'healthy'), awaiting(1)];
      given(rolloutDecider, history)
        .when(halt())
        .then([halted('halted by an operator', false)]);
      given(rolloutDecider, [...history, halted('x', false)])
        .when(approve())
        .thenThrows(RuleViolation, 'rollout.halted');
      given(rolloutDecider, [...history, halted('x', false)])
        .when(resume)
        .then([resumed, awaiting(1)]);
    });

    it('finishes a halted rollout once every device is done', () => {
      const s = strategy([[100, 'auto']]);
      const two = orderDevices(rolloutId, ['d-00', 'd-01']);
      const history = [...created(s, ['d-00', 'd-01']), ...waveStarted(0, two), outcome(two[0]!, 'rolled_back'), halted(tripped, true)];
      given(rolloutDecider, history)
        .when(report(two[1]!, 'healthy'))
        .then([outcome(two[1]!, 'healthy'), finished('failed')]);
    });
  });

  describe('abort', () => {
    it('aborts a running, waiting or halted rollout, keeping or reverting', () => {
      given(rolloutDecider, wave0)
        .when(abort('keep'))
        .then([aborted('keep')]);
      given(rolloutDecider, [...wave0, halted('x', false)])
        .when(abort('revert'))
        .then([aborted('revert')]);
    });

    it('treats the same abort twice as a no-op and refuses to change its mode', () => {
      given(rolloutDecider, [...wave0, aborted('keep')])
        .when(abort('keep'))
        .then([]);
      given(rolloutDecider, [...wave0, aborted('keep')])
        .when(abort('revert'))
        .thenThrows(RuleViolation, 'rollout.aborted');
    });

    it('refuses operator changes after an abort, records late reports and widens no further', () => {
      const history = [...wave0, aborted('keep')];
      given(rolloutDecider, history).when(halt()).thenThrows(RuleViolation, 'rollout.aborted');
      given(rolloutDecider, history).when(resume).thenThrows(RuleViolation, 'rollout.aborted');
      given(rolloutDecider, history).when(approve()).thenThrows(RuleViolation, 'rollout.aborted');
      given(rolloutDecider, history)
        .when(report(canary, 'healthy'))
        .then([outcome(canary, 'healthy')]);
    });
  });

  describe('a finished rollout', () => {
    const s = strategy([[100, 'auto']]);
    const history = [...created(s, ['d-00']), ...waveStarted(0, ['d-00']), outcome('d-00', 'healthy'), finished('succeeded')];

    it('refuses halt, resume, approve and abort', () => {
      for (const command of [halt(), resume, approve(), abort('revert')]) {
        given(rolloutDecider, history).when(command).thenThrows(RuleViolation, 'rollout.finished');
      }
    });

    it('ignores a repeated report', () => {
      given(rolloutDecider, history).when(report('d-00', 'healthy')).then([]);
    });
  });
});
