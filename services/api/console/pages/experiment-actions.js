// An operator's hand on an experiment: promote or abort it with a reason (the audit keeps who and
// why), or stop it without a verdict. The reason is checked as the API checks it (1–500 characters)
// before anything is sent; the API's refusal, if any, is shown next to the buttons.
import { api } from '../api.js';
import { confirmed, el, errorLine, fill } from '../dom.js';

const open = new Set(['running', 'inconclusive']);

const actions = [
  {
    id: 'promote',
    label: 'Promote',
    verb: 'decide',
    body: (reason) => ({ outcome: 'promote', reason }),
    needsReason: true,
    ask: 'Promote the candidate? The channel moves and the follow-up rollout starts, if the experiment asks for one.',
  },
  {
    id: 'abort',
    label: 'Abort',
    verb: 'decide',
    body: (reason) => ({ outcome: 'abort', reason }),
    needsReason: true,
    danger: true,
    ask: 'Abort the experiment and send the candidate arm back to the baseline?',
  },
  {
    id: 'stop',
    label: 'Stop',
    verb: 'stop',
    body: (reason) => (reason ? { reason } : {}),
    danger: true,
    ask: 'Stop the experiment without a verdict? The candidate arm keeps what it has.',
  },
];

/** The same rule as the API's `Reason`: present for a verdict, 1–500 characters when given. */
export function reasonProblem(reason, needed) {
  if (!reason) return needed ? 'A verdict needs a reason: the audit log records why.' : undefined;
  return reason.length > 500 ? `The reason is ${reason.length} characters; at most 500.` : undefined;
}

function post(experimentId, verb, body) {
  return api(`/v1/experiments/${encodeURIComponent(experimentId)}/${verb}`, { method: 'POST', body });
}

/**
 * The reason field and the buttons that apply while the experiment is open; `onView` gets the view
 * each action answers with.
 */
export function drawExperimentActions(node, notice, view, onView) {
  if (!open.has(view.status)) return fill(node, el('span', { className: 'muted' }, 'The experiment has ended: no action applies.'));
  const reason = el('input', { id: 'experiment-reason', size: 48, maxlength: 600, placeholder: 'why (kept in the audit log)' });
  const buttons = actions.map((action) => {
    const button = el(
      'button',
      { type: 'button', id: `experiment-${action.id}`, className: action.danger ? 'danger' : undefined },
      action.label,
    );
    button.addEventListener('click', async () => {
      const text = reason.value.trim();
      const problem = reasonProblem(text, action.needsReason);
      if (problem) return fill(notice, errorLine(new Error(problem)));
      if (!confirmed(action.ask)) return;
      fill(notice);
      button.disabled = true;
      try {
        onView(await post(view.experimentId, action.verb, action.body(text)));
      } catch (err) {
        fill(notice, errorLine(err));
        button.disabled = false;
      }
    });
    return button;
  });
  return fill(node, el('label', { for: 'experiment-reason' }, 'Reason '), reason, buttons);
}
