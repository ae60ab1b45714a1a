import { InvalidInput } from '@keelson/domain-kit';
import { seededRandom } from '../simulation/seeded-random.js';
import { summarize } from '../summaries/metric-summary.js';
import { parseGuardrail, parsePrimary } from '../specs/metric-spec.js';
import { assessWindows, initialAssessment, observeWindow, type ExperimentWindow } from './assessment.js';
import { decideExperiment } from './decide-experiment.js';
import type { ExperimentPlan } from './experiment-plan.js';

const hour = 3_600_000;
const plan: ExperimentPlan = {
  primary: parsePrimary('confidence_mean:higher'),
  guardrails: [parseGuardrail('latency_ms:max+10%')],
  alpha: 0.05,
  minSamples: 100,
  maxDurationMs: 2 * hour,
};

const random = seededRandom(2026);
const normals = (n: number, mean: number, sd: number) => Array.from({ length: n }, () => mean + sd * random.normal());

/** One window per arm: `n` values of each metric with the given means (sd 0.1 for confidence, 5 ms for latency). */
function window(
  n: number,
  candidate: { confidence?: number; latency?: number },
  control = { confidence: 0.7, latency: 40 },
): ExperimentWindow {
  const arm = (m: { confidence?: number; latency?: number }) => ({
    ...(m.confidence === undefined ? {} : { confidence_mean: summarize(normals(n, m.confidence, 0.1)) }),
    ...(m.latency === undefined ? {} : { latency_ms: summarize(normals(n, m.latency, 5)) }),
  });
  return { candidate: arm(candidate), control: arm(control) };
}

const repeat = (k: number, make: () => ExperimentWindow) => Array.from({ length: k }, make);
const decide = (p: ExperimentPlan, windows: ExperimentWindow[], elapsedMs = windows.length * 60_000) =>
  decideExperiment(p, assessWindows(p, windows), elapsedMs);

describe('deciding an experiment', () => {
  it('promotes a better candidate that keeps its guardrails, with the numbers it decided on', () => {
    const d = decide(
      plan,
      repeat(4, () => window(50, { confidence: 0.78, latency: 40 })),
    );
    expect(d).toMatchObject({ outcome: 'promote', reason: 'primary-better', samples: { candidate: 200, control: 200 } });
    expect(d.primary).toMatchObject({ metric: 'confidence_mean', rule: 'higher', verdict: 'better', looks: 4 });
    expect(d.primary.low).toBeGreaterThan(0);
    expect(d.primary.pValue).toBeLessThan(0.05);
    expect(d.primary.candidate?.mean).toBeCloseTo(0.78, 1);
    expect(d.primary.control?.p95).toBeGreaterThan(0.8);
    expect(d.guardrails).toEqual([expect.objectContaining({ metric: 'latency_ms', rule: 'max+10%', verdict: 'cleared' })]);
  });

  it('never promotes below --min-samples, however clear the difference', () => {
    const d = decide(
      plan,
      repeat(3, () => window(30, { confidence: 0.85, latency: 40 })),
    );
    expect(d.primary.verdict).toBe('better');
    expect(d).toMatchObject({ outcome: 'continue', samples: { candidate: 90, control: 90 } });
  });

  it('aborts when a guardrail is breached, even with a better primary metric', () => {
    const d = decide(
      plan,
      repeat(2, () => window(50, { confidence: 0.8, latency: 50 })),
    );
    expect(d).toMatchObject({ outcome: 'abort', reason: 'guardrail-breached' });
    expect(d.guardrails[0]).toMatchObject({ verdict: 'breached' });
    expect(d.guardrails[0]?.low).toBeGreaterThan(0); // 50 − 1.1·40 = 6 ms over the allowance, surely
  });

  it('aborts a candidate whose primary metric is worse', () => {
    expect(
      decide(
        plan,
        repeat(2, () => window(50, { confidence: 0.6, latency: 40 })),
      ),
    ).toMatchObject({ outcome: 'abort', reason: 'primary-worse' });
  });

  it('waits, without aborting, for a latency rise inside the allowance to be shown to hold, then promotes', () => {
    const windows = repeat(12, () => window(50, { confidence: 0.78, latency: 42 }));
    const early = decide(plan, windows.slice(0, 4));
    expect(early).toMatchObject({ outcome: 'continue', primary: { verdict: 'better' }, guardrails: [{ verdict: 'undecided' }] });
    const later = decide(plan, windows);
    expect(later).toMatchObject({ outcome: 'promote', guardrails: [{ verdict: 'cleared' }] });
    expect(later.guardrails[0]?.high).toBeLessThan(0); // surely below 1.1 × control's latency
  });

  it('promotes on a lower-is-better metric when it went down', () => {
    const lower = { ...plan, primary: parsePrimary('latency_ms:lower'), guardrails: [parseGuardrail('confidence_mean:min-5%')] };
    expect(
      decide(
        lower,
        repeat(4, () => window(50, { confidence: 0.7, latency: 36 })),
      ),
    ).toMatchObject({ outcome: 'promote' });
    expect(
      decide(
        lower,
        repeat(2, () => window(50, { confidence: 0.6, latency: 36 })),
      ),
    ).toMatchObject({
      outcome: 'abort',
      reason: 'guardrail-breached',
    });
  });

  it('continues while equal arms are within budget, then is inconclusive at --max-duration', () => {
    const windows = repeat(5, () => window(50, { confidence: 0.7, latency: 40 }));
    expect(decide(plan, windows, hour)).toMatchObject({ outcome: 'continue', reason: 'collecting' });
    expect(decide(plan, windows, 2 * hour)).toMatchObject({ outcome: 'inconclusive', reason: 'budget-reached' });
  });

  it('is inconclusive once the sample budget is spent', () => {
    const budget = { ...plan, maxSamples: 200 };
    expect(
      decide(
        budget,
        repeat(4, () => window(50, { confidence: 0.7, latency: 40 })),
      ),
    ).toMatchObject({ outcome: 'inconclusive' });
  });

  describe('when metrics do not arrive', () => {
    it('does not promote without guardrail data, and ends inconclusive', () => {
      const noLatency = repeat(4, () => window(50, { confidence: 0.8 }, { confidence: 0.7 } as { confidence: number; latency: number }));
      expect(decide(plan, noLatency)).toMatchObject({ outcome: 'continue' });
      const d = decide(plan, noLatency, 2 * hour);
      expect(d).toMatchObject({ outcome: 'inconclusive' });
      expect(d.guardrails[0]).toMatchObject({ verdict: 'no-data', candidate: null, low: null, high: null, looks: 0 });
    });

    it('is inconclusive with no data at all, never a promotion', () => {
      const d = decideExperiment(plan, initialAssessment(plan), 2 * hour);
      expect(d).toMatchObject({ outcome: 'inconclusive', samples: { candidate: 0, control: 0 } });
      expect(d.primary).toMatchObject({ verdict: 'no-data', pValue: 1 });
    });
  });

  it('records evidence that survives JSON unchanged, as an audited event must', () => {
    const d = decide(plan, [window(1, { confidence: 0.7, latency: 40 }), ...repeat(2, () => window(50, { confidence: 0.8, latency: 41 }))]);
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    const first = decide(plan, [window(1, { confidence: 0.7, latency: 40 })]);
    expect(first.primary).toMatchObject({ verdict: 'no-data', low: null, high: null, candidate: { count: 1, variance: null } });
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
  });

  it('decides the same from the same windows (a restart recomputes, it does not remember)', () => {
    const windows = repeat(3, () => window(40, { confidence: 0.75, latency: 41 }));
    expect(decide(plan, windows)).toEqual(decide(plan, windows));
  });

  describe('with bad input', () => {
    it('refuses a plan it cannot honour, naming every problem', () => {
      const bad = { ...plan, alpha: 0, minSamples: 1, maxDurationMs: -1 };
      expect(() => initialAssessment(bad)).toThrow(InvalidInput);
      expect(() => initialAssessment(bad)).toThrow(/alpha.*minSamples.*maxDurationMs/);
    });

    it('refuses a window with an impossible summary and leaves the assessment as it was', () => {
      const before = assessWindows(plan, [window(50, { confidence: 0.7, latency: 40 })]);
      const copy = structuredClone(before);
      const bad = window(50, { confidence: 0.7, latency: 40 });
      bad.candidate['latency_ms'] = { ...summarize([1, 2]), count: 5 };
      expect(() => observeWindow(plan, before, bad)).toThrow(/candidate\.latency_ms\.sketch/);
      expect(before).toEqual(copy);
    });
  });
});
