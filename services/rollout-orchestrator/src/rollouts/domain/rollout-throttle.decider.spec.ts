import { given } from '@keelson/domain-kit';
import { assigned, haltedAt, note, noted, plus, reportAt } from '../../test-fixtures/in-flight-history.js';
import {
  createCommand,
  created,
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
const healthy = (ids: string[]) => ids.map((d) => outcome(d, 'healthy'));

describe('rollout aggregate: throttle and failure rate', () => {
  describe('with maxConcurrent', () => {
    const two = { ...strategy([[100, 'auto']]), maxConcurrent: 2 };
    const started = [...created(two), ...waveStarted(0, order.slice(0, 2))];

    it('assigns only the first slice of a wave', () => {
      given(rolloutDecider, [])
        .when(createCommand(two))
        .then([...created(two), ...waveStarted(0, order.slice(0, 2))]);
    });

    it('assigns the next device in rollout order as one finishes', () => {
      given(rolloutDecider, started)
        .when(reportAt(order[1]!, 'healthy', plus(30)))
        .then([outcome(order[1]!, 'healthy'), assigned(0, [order[2]!], plus(30))]);
    });

    it('frees the slot of a device that went silent (it keeps its assignment)', () => {
      given(rolloutDecider, started)
        .when(note(order[0]!, false, 4))
        .then([noted(order[0]!, false, 4), assigned(0, [order[2]!])]);
    });

    it('keeps wave membership: the next wave starts only once the whole wave was assigned and ended', () => {
      const s = {
        ...strategy([
          [50, 'auto'],
          [100, 'auto'],
        ]),
        maxConcurrent: 2,
      };
      const history = [
        ...created(s),
        ...waveStarted(0, order.slice(0, 2)),
        ...healthy(order.slice(0, 2)),
        assigned(0, order.slice(2, 4)),
        ...healthy(order.slice(2, 4)),
        assigned(0, [order[4]!]),
      ];
      given(rolloutDecider, history)
        .when(report(order[4]!, 'healthy'))
        .then([outcome(order[4]!, 'healthy'), ...waveStarted(1, order.slice(5, 7))]);
    });
  });

  describe('with a failure rate', () => {
    const s = { ...strategy([[100, 'auto']], 10), failureRate: { maxPercent: 20, minFinished: 5 } };
    const history = [...created(s), ...waveStarted(0, order), ...healthy(order.slice(0, 2)), outcome(order[2]!, 'failed')];

    it('does not apply before the minimum of devices finished', () => {
      given(rolloutDecider, history)
        .when(report(order[3]!, 'failed'))
        .then([outcome(order[3]!, 'failed')]);
    });

    it('halts once enough finished and the failed share is above the percentage', () => {
      const four = [...history, outcome(order[3]!, 'failed')];
      given(rolloutDecider, four)
        .when(reportAt(order[4]!, 'healthy', plus(5)))
        .then([outcome(order[4]!, 'healthy'), haltedAt('halt rule: 2 of 5 finished device(s) rolled back or failed, over 20%', plus(5))]);
    });

    it('tolerates a share at the percentage', () => {
      const four = [...history, outcome(order[3]!, 'healthy')];
      given(rolloutDecider, four)
        .when(report(order[4]!, 'healthy'))
        .then([outcome(order[4]!, 'healthy')]);
    });

    it('looks only at devices finished since the last resume', () => {
      const reason = 'halt rule: 2 of 5 finished device(s) rolled back or failed, over 20%';
      const halted = [...history, outcome(order[3]!, 'failed'), outcome(order[4]!, 'healthy'), haltedAt(reason, plus(5)), resumed];
      given(rolloutDecider, halted.slice(0, -1)).when(resume).then([resumed]);
      given(rolloutDecider, halted)
        .when(report(order[5]!, 'failed'))
        .then([outcome(order[5]!, 'failed')]);
    });
  });
});
