"""Reference values for normal-mixture.spec.ts, computed independently of the TypeScript code.

The mixture likelihood ratio is integrated numerically (scipy.integrate.quad over the N(theta0, tau2)
mixing density) instead of using the closed form; interval ends are found by root finding on that
integral; the tuning ratio by numerical minimisation. Run: python3 mixture_reference.py
(numpy 2.4.6, scipy 1.17.1 when the spec's numbers were pasted).
"""
import math
import numpy as np
from scipy import integrate, optimize, stats


def mixture_lr(estimate, v, tau2, theta0=0.0):
    # Lambda = integral of N(estimate; theta, v) N(theta; theta0, tau2) dtheta / N(estimate; theta0, v)
    sd, tsd = math.sqrt(v), math.sqrt(tau2)
    # the ratio is taken inside the integral, in logs, so that no density underflows far from theta0
    base = stats.norm.logpdf(estimate, theta0, sd)
    g = lambda t: math.exp(stats.norm.logpdf(estimate, t, sd) + stats.norm.logpdf(t, theta0, tsd) - base)
    lo, hi = min(theta0, estimate) - 40 * max(sd, tsd), max(theta0, estimate) + 40 * max(sd, tsd)
    value, _ = integrate.quad(g, lo, hi, points=[estimate, theta0], limit=800, epsabs=0, epsrel=1e-12)
    return value


def interval(estimate, v, tau2, alpha):
    f = lambda t0: math.log(mixture_lr(estimate, v, tau2, t0)) - math.log(1 / alpha)
    w = 30 * math.sqrt(v)
    return optimize.brentq(f, estimate - w, estimate, xtol=1e-13), optimize.brentq(f, estimate, estimate + w, xtol=1e-13)


def best_ratio(alpha):
    l = 2 * math.log(1 / alpha)
    return optimize.minimize_scalar(lambda r: (1 + 1 / r) * (l + math.log(1 + r)), bounds=(1e-3, 1e3), method='bounded',
                                    options={'xatol': 1e-12}).x


print('ratio alpha=0.05', repr(best_ratio(0.05)), 'alpha=0.01', repr(best_ratio(0.01)))
for est, v, tau2 in [(0.3, 0.01, 0.05), (1.2, 0.25, 0.5), (-0.05, 0.0004, 0.002)]:
    lo, hi = interval(est, v, tau2, 0.05)
    print('lr', est, v, tau2, repr(mixture_lr(est, v, tau2)), 'ci95', repr(lo), repr(hi))

# One look on concrete data: both arms' raw values, moments by numpy, tuned tau2 at n* = 100.
i = np.arange(1, 201); control = 10 + 2 * np.sin(i)
j = np.arange(1, 181); candidate = 10.6 + 2.5 * np.cos(1.3 * j)
vc, vk = candidate.var(ddof=1), control.var(ddof=1)
v = vc / candidate.size + vk / control.size
tau2 = best_ratio(0.05) * (vc + vk) / 100
est = candidate.mean() - control.mean()
lo, hi = interval(est, v, tau2, 0.05)
print('data estimate', repr(est), 'se', repr(math.sqrt(v)), 'p', repr(min(1, 1 / mixture_lr(est, v, tau2))), 'ci95', repr(lo), repr(hi))
