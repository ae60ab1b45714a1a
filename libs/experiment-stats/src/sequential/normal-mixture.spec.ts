import { summarize } from '../summaries/metric-summary.js';
import { initialTestState, lookAt } from './contrast-test.js';
import { mixtureHalfWidth, mixtureLikelihoodRatio, mixturePValue, optimalMixingRatio } from './normal-mixture.js';

// Reference values from libs/experiment-stats/reference/mixture_reference.py, run once here with numpy 2.4.6
// and scipy 1.17.1. It does not use the closed forms: Λ is the mixing integral done numerically
// (scipy.integrate.quad), interval ends are roots of Λ(θ₀) = 1/α (scipy.optimize.brentq), the tuning
// ratio a numerical minimum (scipy.optimize.minimize_scalar). The printed numbers are pasted below.
const cases = [
  { estimate: 0.3, v: 0.01, tau2: 0.05, lambda: 17.35915903519936, low: -0.005611989614335123, high: 0.605611989614335 },
  { estimate: 1.2, v: 0.25, tau2: 0.5, lambda: 3.9380822083762728, low: -0.43057622128376255, high: 2.8305762212837626 },
  { estimate: -0.05, v: 0.0004, tau2: 0.002, lambda: 5.519498098954097, low: -0.11112239792284213, high: 0.011122397922842125 },
];

describe('the normal-mixture SPRT', () => {
  it.each(cases)('gives the numerically integrated likelihood ratio and its 95 % interval (θ̂ = $estimate)', (c) => {
    expect(mixtureLikelihoodRatio(c.estimate, c.v, c.tau2)).toBeCloseTo(c.lambda, 9);
    expect(mixturePValue(c.estimate, c.v, c.tau2)).toBeCloseTo(1 / c.lambda, 12);
    const h = mixtureHalfWidth(c.v, c.tau2, 0.05);
    expect(c.estimate - h).toBeCloseTo(c.low, 9);
    expect(c.estimate + h).toBeCloseTo(c.high, 9);
  });

  it('rejects θ₀ exactly at the interval ends: Λ there is 1/α', () => {
    const [c] = cases;
    if (!c) throw new Error('no case');
    expect(mixtureLikelihoodRatio(c.estimate, c.v, c.tau2, c.high)).toBeCloseTo(20, 9);
  });

  it('does not overflow the p-value for an overwhelming effect', () => {
    expect(mixturePValue(100, 0.0001, 0.01)).toBe(0);
  });

  it('tunes the mixing ratio to the numerical minimum of the boundary', () => {
    expect(optimalMixingRatio(0.05)).toBeCloseTo(8.211968204117419, 6);
    expect(optimalMixingRatio(0.01)).toBeCloseTo(11.756371374363004, 6);
  });
});

describe('one look at two arms', () => {
  // The same data the reference script builds with numpy: control 10 + 2·sin(i), i = 1..200;
  // candidate 10.6 + 2.5·cos(1.3·j), j = 1..180; tuned at 100 samples per arm.
  const control = summarize(Array.from({ length: 200 }, (_, k) => 10 + 2 * Math.sin(k + 1)));
  const candidate = summarize(Array.from({ length: 180 }, (_, k) => 10.6 + 2.5 * Math.cos(1.3 * (k + 1))));

  it('matches the reference computed from the raw values', () => {
    const state = lookAt(initialTestState(), candidate, control, { scale: 1, shift: 0 }, { alpha: 0.05, tuningSamples: 100 });
    expect(state.estimate).toBeCloseTo(0.6021904519564156, 10);
    expect(state.standardError).toBeCloseTo(0.1657254225083505, 10);
    expect(state.pValue).toBeCloseTo(0.008224364147212825, 8);
    expect(state.low).toBeCloseTo(0.09519405081184036, 7);
    expect(state.high).toBeCloseTo(1.1091868531009907, 7);
  });

  it('waits while an arm has fewer than two values', () => {
    const one = summarize([10]);
    expect(lookAt(initialTestState(), one, control, { scale: 1, shift: 0 }, { alpha: 0.05, tuningSamples: 100 })).toEqual(
      initialTestState(),
    );
  });

  it('keeps the smallest p-value and the narrowest interval over its looks', () => {
    const settings = { alpha: 0.05, tuningSamples: 100 };
    const first = lookAt(initialTestState(), candidate, control, { scale: 1, shift: 0 }, settings);
    const flat = summarize([10, 10.5, 9.5, 10, 10.5, 9.5]);
    const second = lookAt(first, flat, control, { scale: 1, shift: 0 }, settings);
    expect(second.looks).toBe(2);
    expect(second.pValue).toBe(first.pValue);
    expect(second.low).toBeGreaterThanOrEqual(first.low);
    expect(second.high).toBeLessThanOrEqual(first.high);
  });

  it('keeps its interval when a look contradicts it, rather than holding an empty one', () => {
    const settings = { alpha: 0.05, tuningSamples: 100 };
    const first = lookAt(initialTestState(), candidate, control, { scale: 1, shift: 0 }, settings);
    const far = summarize(Array.from({ length: 400 }, (_, k) => 5 + Math.sin(k)));
    const second = lookAt(first, far, control, { scale: 1, shift: 0 }, settings); // θ̂ ≈ −5, far below first.low
    expect([second.low, second.high]).toEqual([first.low, first.high]);
    expect(second.estimate).toBeLessThan(-4);
  });
});
