// What an operator does once a rollout has ended: promote a succeeded one to a release channel, or
// retry the devices that failed as a new rollout linked to this one. The API decides what is
// allowed; a refusal is shown with its own message and changes nothing.
import { api } from '../api.js';
import { confirmed, el, errorLine, fill } from '../dom.js';

const retryable = new Set(['failed', 'halted', 'aborted']);

function post(rolloutId, verb, body) {
  return api(`/v1/rollouts/${encodeURIComponent(rolloutId)}/${verb}`, { method: 'POST', body });
}

/** A channel name and a button: the channel then points at the version this rollout delivered. */
function promoteForm(notice, view) {
  const channel = el('input', { id: 'promote-channel', name: 'channel', placeholder: 'stable', required: true, autocomplete: 'off' });
  const button = el('button', { type: 'submit' }, 'Promote');
  const form = el(
    'form',
    { id: 'promote', className: 'inline' },
    el('label', { for: 'promote-channel' }, 'Promote to channel'),
    channel,
    button,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(notice);
    button.disabled = true;
    try {
      const answer = await post(view.rolloutId, 'promote', {
        channel: channel.value.trim(),
        reason: `promoted from the console after rollout ${view.rolloutId}`,
      });
      const moved = answer.channels.find((c) => c.channel === channel.value.trim());
      fill(
        notice,
        el('p', { id: 'promoted', role: 'status' }, `Channel ${moved.channel} of ${answer.artifactName} now points at ${moved.version}.`),
      );
    } catch (err) {
      fill(notice, errorLine(err));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** Retries the failed and rolled-back devices, then opens the new rollout. */
function retryButton(notice, view) {
  const button = el('button', { type: 'button', id: 'action-retry' }, 'Retry failed devices');
  button.addEventListener('click', async () => {
    if (!confirmed('Retry the failed devices as a new rollout of the same version?')) return;
    fill(notice);
    button.disabled = true;
    try {
      const retry = await post(view.rolloutId, 'retry', {});
      location.hash = `#/rollouts/${encodeURIComponent(retry.rolloutId)}`;
    } catch (err) {
      fill(notice, errorLine(err));
      button.disabled = false;
    }
  });
  return button;
}

/** Draws the follow-ups that fit the rollout's status into `node`; redrawn with the board. */
export function drawFollowUps(node, notice, view) {
  if (node.dataset.status === view.status) return; // keep what the operator is typing across redraws
  node.dataset.status = view.status;
  const retryNote = view.retryOf
    ? el(
        'p',
        { className: 'muted', id: 'retry-of' },
        'A retry of ',
        el('a', { href: `#/rollouts/${encodeURIComponent(view.retryOf)}` }, view.retryOf),
        '.',
      )
    : null;
  if (view.status === 'succeeded') return fill(node, retryNote, promoteForm(notice, view));
  if (retryable.has(view.status)) return fill(node, retryNote, retryButton(notice, view));
  return fill(node, retryNote);
}
