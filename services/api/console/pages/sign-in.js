// Signing in: the operator pastes the admin token or an API token (`kls_…`); the console checks it
// against the API once and keeps it in this tab's sessionStorage only.
import { api, ApiError, session } from '../api.js';
import { el, errorLine, fill } from '../dom.js';

export function signInPage(view, { onSignedIn }) {
  const token = el('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    required: true,
    placeholder: 'admin token or kls_…',
  });
  const fleet = el('input', { id: 'fleet', name: 'fleet', value: session.fleet(), required: true, pattern: '[A-Za-z0-9_\\-]+' });
  const outcome = el('div');
  const submit = el('button', { type: 'submit' }, 'Sign in');
  const form = el(
    'form',
    { className: 'stack', id: 'sign-in' },
    el('label', { for: 'token' }, 'Token'),
    token,
    el('label', { for: 'fleet' }, 'Fleet'),
    fleet,
    submit,
    outcome,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    fill(outcome);
    const presented = token.value.trim();
    try {
      // Any read proves the token; an API token of another fleet is refused here, not later.
      await api('/v1/devices?limit=1', { token: presented, fleet: fleet.value.trim() });
      session.signIn(presented, fleet.value.trim());
      onSignedIn();
    } catch (err) {
      fill(outcome, errorLine(err instanceof ApiError && err.status === 401 ? new Error('That token was refused.') : err));
    } finally {
      submit.disabled = false;
    }
  });
  fill(
    view,
    el('h1', {}, 'Sign in'),
    el(
      'p',
      { className: 'muted' },
      'Paste the admin token ',
      el('code', {}, 'npm start'),
      ' printed, or an API token (',
      el('code', {}, 'kls_…'),
      '). It stays in this browser tab until you sign out.',
    ),
    form,
  );
  token.focus();
}
