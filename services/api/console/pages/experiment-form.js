// "New experiment": the fields of `keelson experiment create`, read and checked the way the CLI reads
// its flags (the console loads no TypeScript, so the rules are spelled out here); the ranges are the
// API's to check, and its refusal is shown under the form with nothing recorded.
import { api } from '../api.js';
import { el, errorLine, fill } from '../dom.js';

const fields = [
  ['candidate', 'Candidate', 'yolo-v8n@2.2.0'],
  ['baseline', 'Baseline', 'yolo-v8n@2.1.0'],
  ['group', 'Group', 'plant-7'],
  ['split', 'Split % (1–50)', '20'],
  ['primary', 'Primary metric', 'confidence_mean:higher'],
  ['guardrails', 'Guardrails (comma-separated, optional)', 'latency_p95_ms:max+10%'],
  ['min-samples', 'Min samples per arm', '500'],
  ['max-duration', 'Max duration (90s, 30m, 2h, 1d)', '2h'],
  ['probe', 'Probe (file:PATH, http:URL or exec:PATH)', 'file:/run/app/ready'],
  ['on-success', 'On success (promote:CHANNEL, optional)', 'promote:stable'],
  ['waves', 'Follow-up waves (optional: rolls out to the rest of the group)', '25,100'],
  ['alpha', 'Alpha (optional)', '0.05'],
];

const units = { s: 1, m: 60, h: 3600, d: 86_400 };

function whole(name, text) {
  if (!/^\d+$/.test(text)) throw new Error(`${name} must be a whole number, got '${text}'`);
  return Number(text);
}

function probeOf(spec) {
  const timing = { timeoutSeconds: 30, attempts: 3, initialDelaySeconds: 0 };
  if (/^https?:\/\//i.test(spec)) return { kind: 'http', url: spec, ...timing };
  const match = /^(file|exec|http):(.+)$/.exec(spec);
  if (!match) throw new Error(`the probe must be file:PATH, http:URL or exec:PATH, got '${spec}'`);
  const [, kind, target] = match;
  if (kind === 'http') return { kind, url: /^https?:\/\//i.test(target) ? target : `http://${target}`, ...timing };
  return { kind, path: target, ...timing };
}

function onSuccessOf(promote, waves) {
  const match = promote ? /^promote:([a-z][a-z0-9-]{0,31})$/.exec(promote) : null;
  if (promote && !match) throw new Error(`on success takes promote:CHANNEL, got '${promote}'`);
  const percents = waves ? waves.split(',').map((p) => whole('each follow-up wave', p.trim())) : [];
  return {
    ...(match ? { promote: match[1] } : {}),
    ...(percents.length
      ? { thenRollout: { strategy: { waves: percents.map((percent) => ({ percent, gate: 'auto' })), maxFailures: 0 } } }
      : {}),
  };
}

/** The body of `POST /v1/experiments` from the form's values (trimmed text by field name); an Error names a bad field. */
export function experimentBodyOf(v) {
  for (const name of ['candidate', 'baseline', 'group', 'split', 'primary', 'min-samples', 'max-duration', 'probe']) {
    if (!v[name]) throw new Error(`a new experiment needs ${name}`);
  }
  const duration = /^(\d+)([smhd]?)$/.exec(v['max-duration']);
  if (!duration) throw new Error(`max duration takes a duration such as 90s, 30m, 2h or 1d, got '${v['max-duration']}'`);
  const alpha = v.alpha ? Number(v.alpha) : undefined;
  if (alpha !== undefined && !Number.isFinite(alpha)) throw new Error(`alpha must be a number, got '${v.alpha}'`);
  return {
    candidate: v.candidate,
    baseline: v.baseline,
    group: v.group,
    split: whole('split', v.split),
    primary: v.primary,
    guardrails: v.guardrails
      ? v.guardrails
          .split(',')
          .map((g) => g.trim())
          .filter(Boolean)
      : [],
    minSamples: whole('min samples', v['min-samples']),
    maxDurationSeconds: Number(duration[1]) * units[duration[2] || 's'],
    probe: probeOf(v.probe),
    onSuccess: onSuccessOf(v['on-success'], v.waves),
    ...(alpha === undefined ? {} : { alpha }),
  };
}

/** The form; `onCreated` gets the new experiment's view. */
export function experimentForm(onCreated) {
  const inputs = Object.fromEntries(
    fields.map(([name, , example]) => [name, el('input', { id: `experiment-${name}`, name, placeholder: example })]),
  );
  const outcome = el('div', { id: 'experiment-form-outcome' });
  const submit = el('button', { type: 'submit' }, 'Create experiment');
  const form = el(
    'form',
    { id: 'experiment-form', className: 'stack' },
    el('h2', {}, 'New experiment'),
    fields.map(([name, label]) => [el('label', { for: `experiment-${name}` }, label), inputs[name]]),
    submit,
    outcome,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(outcome);
    submit.disabled = true;
    try {
      const values = Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, input.value.trim()]));
      onCreated(await api('/v1/experiments', { method: 'POST', body: experimentBodyOf(values) }));
    } catch (err) {
      fill(outcome, errorLine(err));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
