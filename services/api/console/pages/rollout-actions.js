// An operator's hand on a rollout: approve the gate, halt, resume, abort keeping or reverting.
import { api } from '../api.js';
import { confirmed, el, errorLine, fill } from '../dom.js';

const terminal = new Set(['succeeded', 'failed', 'aborted']);

/** Each action: its label, when it applies, what to ask first, and the call. */
const actions = [
  {
    id: 'approve',
    label: 'Approve',
    when: (s) => s === 'awaiting-approval',
    ask: 'Open the gate and start the next wave?',
    call: (id) => post(id, 'approve', {}),
  },
  {
    id: 'halt',
    label: 'Halt',
    when: (s) => s === 'running' || s === 'awaiting-approval',
    ask: 'Halt the rollout? No new device is updated until it is resumed.',
    call: (id) => post(id, 'halt', { reason: 'halted from the console' }),
  },
  { id: 'resume', label: 'Resume', when: (s) => s === 'halted', ask: 'Resume the rollout?', call: (id) => post(id, 'resume') },
  {
    id: 'abort-keep',
    label: 'Abort, keep',
    when: (s) => !terminal.has(s),
    ask: 'Abort and leave updated devices on the new version? This cannot be undone.',
    call: (id) => post(id, 'abort', { mode: 'keep' }),
    danger: true,
  },
  {
    id: 'abort-revert',
    label: 'Abort, revert',
    when: (s) => !terminal.has(s),
    ask: 'Abort and send every updated device back to its previous version? This cannot be undone.',
    call: (id) => post(id, 'abort', { mode: 'revert' }),
    danger: true,
  },
];

function post(rolloutId, verb, body) {
  return api(`/v1/rollouts/${encodeURIComponent(rolloutId)}/${verb}`, { method: 'POST', ...(body === undefined ? {} : { body }) });
}

/**
 * The buttons that apply to the rollout's status; `onView` gets the view each action answers with.
 * A refusal is shown with the API's message, next to the buttons.
 */
export function drawActions(node, notice, view, onView) {
  const buttons = actions
    .filter((a) => a.when(view.status))
    .map((action) => {
      const button = el(
        'button',
        { type: 'button', id: `action-${action.id}`, className: action.danger ? 'danger' : undefined },
        action.label,
      );
      button.addEventListener('click', async () => {
        if (!confirmed(action.ask)) return;
        fill(notice);
        button.disabled = true;
        try {
          onView(await action.call(view.rolloutId));
        } catch (err) {
          fill(notice, errorLine(err));
          button.disabled = false;
        }
      });
      return button;
    });
  fill(node, buttons.length ? buttons : el('span', { className: 'muted' }, 'No action applies now.'));
}
