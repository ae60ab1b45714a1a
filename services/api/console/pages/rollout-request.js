// The console's form values as a `POST /v1/rollouts` body, read the way `keelson rollout create`
// reads its flags (services/cli/src/actions/rollout-request.ts): `file:PATH`, `exec:PATH` or
// `http:URL` probes, `10,50,100` waves with `auto,manual,…` gates. What only the text's shape can
// tell is refused here, before any call; ranges and the wave rules are the API's to check, and its
// refusal is shown as it gives it.

/** A refusal of the form's own, shown like the API's. */
export class FormError extends Error {}

const targets = ['group', 'devices', 'selector'];

function integer(label, text, fallback) {
  const value = String(text ?? '').trim();
  if (value === '') return fallback;
  if (!/^\d+$/.test(value)) throw new FormError(`${label} must be a whole number, got '${value}'`);
  return Number(value);
}

function probeOf(v) {
  const spec = v.probe.trim();
  const match = /^https?:\/\//i.test(spec) ? ['', 'http', spec] : /^(file|exec|http):(.+)$/.exec(spec);
  if (!match) throw new FormError(`the probe must be file:PATH, http:URL or exec:PATH, got '${spec}'`);
  const [, kind, target] = match;
  const timing = {
    timeoutSeconds: integer('the probe timeout', v.probeTimeout, 30),
    attempts: integer('the probe attempts', v.probeAttempts, 3),
    initialDelaySeconds: 0,
  };
  return kind === 'http' ? { kind, url: target, ...timing } : { kind, path: target, ...timing };
}

function strategyOf(v) {
  const percents = v.waves.split(',').map((p) => integer('each wave', p, NaN));
  if (percents.some(Number.isNaN)) throw new FormError('the waves are percents separated by commas, like 10,50,100');
  const gates = v.gates.trim() ? v.gates.split(',').map((g) => g.trim()) : percents.map(() => 'auto');
  if (gates.length !== percents.length) throw new FormError(`the gates name ${gates.length} gates for ${percents.length} waves`);
  const bad = gates.find((g) => g !== 'auto' && g !== 'manual');
  if (bad !== undefined) throw new FormError(`a gate is auto or manual, got '${bad}'`);
  const strategy = {
    waves: percents.map((percent, i) => ({ percent, gate: gates[i] })),
    maxFailures: integer('the most failures', v.maxFailures, 0),
  };
  const [percent, minFinished] = [v.maxFailurePercent.trim(), v.minFinished.trim()];
  if (!percent !== !minFinished) throw new FormError('the failure percent and the devices finished before it counts go together');
  if (percent) {
    if (!/^\d+(\.\d+)?$/.test(percent)) throw new FormError(`the failure percent must be a number, got '${percent}'`);
    strategy.failureRate = { maxPercent: Number(percent), minFinished: integer('the devices finished', minFinished, 1) };
  }
  return strategy;
}

/** The request body, or a FormError naming what is wrong with the form. */
export function rolloutRequestOf(v) {
  if (!targets.includes(v.targetKind)) throw new FormError(`the target is a group, devices or a selector, got '${v.targetKind}'`);
  const target = v.target.trim();
  if (!target) throw new FormError(`name the ${v.targetKind === 'devices' ? 'devices' : v.targetKind}`);
  const aim = v.targetKind === 'devices' ? { devices: target.split(/[\s,]+/).filter(Boolean) } : { [v.targetKind]: target };
  return { artifact: v.artifact.trim(), ...aim, probe: probeOf(v), strategy: strategyOf(v) };
}
