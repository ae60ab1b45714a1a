// Creating a rollout from the console: artifact, one target (group, devices or selector), waves and
// gates, the probe and the halt rule, the same fields as `keelson rollout create`. The form's own
// refusals and the API's are shown above the button; nothing is created until the API accepts.
import { api } from '../api.js';
import { el, errorLine, fill } from '../dom.js';
import { rolloutRequestOf } from './rollout-request.js';

// [key, label, placeholder, initial value]
const fields = [
  ['artifact', 'Artifact', 'detector@1.2.0 or detector@stable', ''],
  ['target', 'Target', 'group name, device names or a selector', ''],
  ['waves', 'Waves (cumulative %)', '10,50,100', '100'],
  ['gates', 'Gates (auto or manual, one per wave)', 'auto,manual,auto', ''],
  ['probe', 'Health probe', 'file:/run/app/ready, http://127.0.0.1:8080/healthz or exec:/usr/bin/check', ''],
  ['probeTimeout', 'Probe timeout (s)', '30', '30'],
  ['probeAttempts', 'Probe attempts', '3', '3'],
  ['maxFailures', 'Halt after more than this many failures', '0', '0'],
  ['maxFailurePercent', 'or above this failure % …', '', ''],
  ['minFinished', '… once this many devices finished', '', ''],
];

export async function newRolloutPage(view, { query }) {
  const inputs = Object.fromEntries(
    fields.map(([key, , placeholder, value]) => [
      key,
      el('input', { id: `rollout-${key}`, name: key, placeholder, value: query.get(key) ?? value, autocomplete: 'off' }),
    ]),
  );
  const targetKind = el(
    'select',
    { id: 'rollout-targetKind', name: 'targetKind' },
    ['group', 'devices', 'selector'].map((k) => el('option', { value: k }, k)),
  );
  const notice = el('div', { id: 'rollout-form-notice' });
  const button = el('button', { type: 'submit' }, 'Create rollout');
  const row = ([key, label]) => [el('label', { for: `rollout-${key}` }, label), key === 'target' ? [targetKind, inputs[key]] : inputs[key]];
  const form = el('form', { id: 'rollout-form', className: 'stack' }, fields.map(row), notice, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(notice);
    const values = Object.fromEntries(Object.entries(inputs).map(([key, input]) => [key, input.value]));
    button.disabled = true;
    try {
      const body = rolloutRequestOf({ ...values, targetKind: targetKind.value });
      const created = await api('/v1/rollouts', { method: 'POST', body });
      location.hash = `#/rollouts/${encodeURIComponent(created.rolloutId)}`;
    } catch (err) {
      fill(notice, errorLine(err));
      button.disabled = false;
    }
  });
  fill(
    view,
    el('h1', {}, 'New rollout'),
    el('p', { className: 'muted' }, 'The same fields as ', el('code', {}, 'npx keelson rollout create'), '.'),
    form,
  );
}
