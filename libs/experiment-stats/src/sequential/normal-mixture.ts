/**
 * The normal-mixture sequential probability ratio test (mSPRT) for a normal mean, as in Johari,
 * Koomen, Pekelis and Walsh, "Always Valid Inference: Continuous Monitoring of A/B Tests" (Operations
 * Research, 2022), section 4: for an estimate θ̂ ~ N(θ, V) and a N(θ₀, τ²) mixing distribution over the
 * alternative, the mixture likelihood ratio is
 *
 *   Λ(θ₀) = √(V / (V + τ²)) · exp( τ² (θ̂ − θ₀)² / (2 V (V + τ²)) ).
 *
 * Λ is a non-negative martingale under θ = θ₀, so by Ville's inequality P(sup Λ ≥ 1/α) ≤ α: rejecting
 * whenever Λ ≥ 1/α, at every look, keeps the type I error at α however often one looks. Inverting it
 * gives a confidence sequence: the two-sided normal-mixture boundary of Howard, Ramdas, McAuliffe and
 * Sekhon, "Time-uniform, nonparametric, nonasymptotic confidence sequences" (Annals of Statistics, 2021).
 */

// Read once: inside Jest's VM context a global lookup is slow, and the simulations call this per window.
const { sqrt, log, exp, min } = Math;

/** The mixture likelihood ratio Λ(θ₀) for an estimate `estimate` of variance `v`, mixing variance `tau2`. */
export function mixtureLikelihoodRatio(estimate: number, v: number, tau2: number, theta0 = 0): number {
  const d = estimate - theta0;
  return sqrt(v / (v + tau2)) * exp((tau2 * d * d) / (2 * v * (v + tau2)));
}

/** The always-valid p-value of one look: 1/Λ(θ₀), capped at 1. Computed in logs so it does not overflow. */
export function mixturePValue(estimate: number, v: number, tau2: number, theta0 = 0): number {
  const d = estimate - theta0;
  const logLambda = 0.5 * log(v / (v + tau2)) + (tau2 * d * d) / (2 * v * (v + tau2));
  return min(1, exp(-logLambda));
}

/** Half the width of the (1 − α) confidence interval of one look: every θ₀ with Λ(θ₀) < 1/α. */
export function mixtureHalfWidth(v: number, tau2: number, alpha: number): number {
  return sqrt(((v * (v + tau2)) / tau2) * (2 * log(1 / alpha) + log((v + tau2) / v)));
}

/**
 * The ratio r = τ²/V at which the boundary is narrowest for a given α: the root of r = 2·ln(1/α) + ln(1 + r)
 * (minimise the squared half-width over V, (1 + 1/r)(2·ln(1/α) + ln(1 + r)), over r; one step of the
 * iteration is the tuning Howard et al. 2021 give for the normal mixture). Choosing τ² = r·V(n*) makes the test sharpest
 * when each arm holds n* samples.
 */
export function optimalMixingRatio(alpha: number): number {
  const known = ratios.get(alpha);
  if (known !== undefined) return known;
  const l = 2 * log(1 / alpha);
  let r = l;
  for (let i = 0; i < 50; i++) r = l + log(1 + r); // a contraction (derivative 1/(1+r) < 1)
  ratios.set(alpha, r);
  return r;
}

const ratios = new Map<number, number>();
