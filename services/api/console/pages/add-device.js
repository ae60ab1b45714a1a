// "Add device": mint a one-time enrollment token; the API answers with the line to paste on the device.
import { api } from '../api.js';
import { el, errorLine, fill, when } from '../dom.js';

const lifetimes = [
  [3600, '1 hour'],
  [24 * 3600, '1 day'],
  [7 * 24 * 3600, '7 days'],
];

/** `site=north, line=2` as labels; a malformed pair is an error naming it. */
export function parseLabels(text) {
  const labels = {};
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new Error(`'${pair}' is not key=value`);
    labels[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return labels;
}

/**
 * The form, for a new device or, given `device`, to re-enroll that existing device (wiped or
 * replaced: it keeps its id, labels and history, so no labels are asked).
 */
export function addDeviceForm(onIssued, device) {
  const labels = device ? null : el('input', { id: 'enroll-labels', placeholder: 'site=north, line=2' });
  const ttl = el(
    'select',
    { id: 'enroll-ttl' },
    lifetimes.map(([seconds, text]) => el('option', { value: seconds }, text)),
  );
  const outcome = el('div', { id: 'enroll-outcome' });
  const submit = el('button', { type: 'submit' }, 'Create enrollment token');
  const form = el(
    'form',
    { className: 'stack' },
    el('h2', {}, device ? `Re-enroll ${device.name}` : 'Add device'),
    labels ? [el('label', { for: 'enroll-labels' }, 'Labels (optional)'), labels] : null,
    el('label', { for: 'enroll-ttl' }, 'Token valid for'),
    ttl,
    submit,
    outcome,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(outcome);
    submit.disabled = true;
    try {
      const parsed = labels ? parseLabels(labels.value) : {};
      const target = device ? { deviceId: device.deviceId } : Object.keys(parsed).length ? { labels: parsed } : {};
      const body = { ttlSeconds: Number(ttl.value), ...target };
      const issued = await api('/v1/enrollment-tokens', { method: 'POST', body });
      fill(outcome, issuedToken(issued));
      onIssued();
    } catch (err) {
      fill(outcome, errorLine(err));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function issuedToken(issued) {
  const command = el('code', { id: 'enroll-command' }, issued.enrollCommand);
  const copied = el('span', { className: 'muted', role: 'status' });
  const copy = el('button', { type: 'button', id: 'copy-enroll-command' }, 'Copy');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(issued.enrollCommand);
      copied.textContent = 'copied';
    } catch {
      getSelection().selectAllChildren(command);
      copied.textContent = 'selected: press Ctrl-C';
    }
  });
  return el(
    'div',
    { className: 'issued' },
    el(
      'p',
      {},
      'Run this on the device. The token works once and expires ',
      el('time', { id: 'enroll-expires', datetime: issued.expiresAt }, when(issued.expiresAt)),
      '; it is not shown again.',
    ),
    el('pre', {}, command),
    el('div', { className: 'actions' }, copy, copied),
  );
}
