import { automaticVerdict } from './automatic-verdict.js';

const promote = { outcome: 'promote', reason: 'primary-better' } as const;
const hour = 3600_000;
const succeeded = { status: 'finished', outcome: 'succeeded' };

describe("the decision loop's verdict on a look", () => {
  describe("when the candidate arm's rollout failed", () => {
    it('aborts with the halt reason, whatever the numbers say', () => {
      const halted = { status: 'halted', reason: '1 device rolled back; 0 allowed' };
      expect(automaticVerdict(promote, halted, 60_000, hour)).toEqual({
        outcome: 'abort',
        reason: 'candidate-rollout-halted: 1 device rolled back; 0 allowed',
      });
      expect(automaticVerdict({ outcome: 'continue', reason: 'collecting' }, halted, 60_000, hour)?.outcome).toBe('abort');
    });
    it('aborts an arm that finished failed or was aborted', () => {
      expect(automaticVerdict(promote, { status: 'finished', outcome: 'failed' }, 60_000, hour)).toEqual({
        outcome: 'abort',
        reason: 'candidate-rollout-failed',
      });
      expect(automaticVerdict(promote, { status: 'aborted' }, 60_000, hour)).toEqual({
        outcome: 'abort',
        reason: 'candidate-rollout-aborted',
      });
    });
  });

  describe('when the numbers favour the candidate', () => {
    it('promotes once the arm is installed', () => {
      expect(automaticVerdict(promote, succeeded, 60_000, hour)).toEqual(promote);
    });
    it('waits for an arm still being installed (a device offline, say) until the budget is spent', () => {
      expect(automaticVerdict(promote, { status: 'running' }, hour - 1, hour)).toBeUndefined();
      expect(automaticVerdict(promote, undefined, hour - 1, hour)).toBeUndefined();
    });
    it('then ends inconclusive for a person, never promoting an arm that is not installed', () => {
      expect(automaticVerdict(promote, { status: 'running' }, hour, hour)).toEqual({
        outcome: 'inconclusive',
        reason: 'candidate-arm-incomplete',
      });
    });
  });

  it('keeps collecting on continue, and records an abort or inconclusive from the numbers as is', () => {
    expect(automaticVerdict({ outcome: 'continue', reason: 'collecting' }, { status: 'running' }, 60_000, hour)).toBeUndefined();
    expect(automaticVerdict({ outcome: 'abort', reason: 'guardrail-breached' }, { status: 'running' }, 60_000, hour)).toEqual({
      outcome: 'abort',
      reason: 'guardrail-breached',
    });
    expect(automaticVerdict({ outcome: 'inconclusive', reason: 'budget-reached' }, succeeded, hour, hour)).toEqual({
      outcome: 'inconclusive',
      reason: 'budget-reached',
    });
  });
});
