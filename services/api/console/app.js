// The console shell: sign-in gate, hash routes, one page at a time. A page is
// `(view, { params, query, signal })`; `signal` aborts when the operator leaves it.
import { ApiError, session } from './api.js';
import { errorLine, fill } from './dom.js';
import { artifactsPage } from './pages/artifacts.js';
import { auditPage } from './pages/audit.js';
import { devicesPage } from './pages/devices.js';
import { experimentPage, experimentsPage } from './pages/experiments.js';
import { groupPage, groupsPage } from './pages/groups.js';
import { registriesPage } from './pages/registries.js';
import { rolloutPage, rolloutsPage } from './pages/rollout.js';
import { newRolloutPage } from './pages/rollout-form.js';
import { signInPage } from './pages/sign-in.js';

const routes = [
  [/^#\/devices$/, devicesPage, 'devices'],
  [/^#\/groups$/, groupsPage, 'groups'],
  [/^#\/groups\/([^/?]+)$/, groupPage, 'groups'],
  [/^#\/artifacts$/, artifactsPage, 'artifacts'],
  [/^#\/registries$/, registriesPage, 'registries'],
  [/^#\/rollouts$/, rolloutsPage, 'rollouts'],
  [/^#\/rollouts\/new$/, newRolloutPage, 'rollouts'],
  [/^#\/rollouts\/([^/?]+)$/, rolloutPage, 'rollouts'],
  [/^#\/experiments$/, experimentsPage, 'experiments'],
  [/^#\/experiments\/([^/?]+)$/, experimentPage, 'experiments'],
  [/^#\/audit$/, auditPage, 'audit'],
];

let leaving = new AbortController();

function flash(message) {
  const line = document.getElementById('flash');
  line.textContent = message ?? '';
  line.hidden = !message;
}

function showNav(signedIn, section) {
  document.getElementById('nav').hidden = !signedIn;
  document.getElementById('who').textContent = signedIn ? `fleet ${session.fleet()}` : '';
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.getAttribute('href') === `#/${section}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

/** Shows `hash`; setting the same hash again fires no event, so render directly then. */
function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

async function render() {
  leaving.abort();
  const page = new AbortController();
  leaving = page;
  // A fresh container per page: a page still finishing after the operator left writes into a detached node.
  const view = document.createElement('section');
  view.dataset.route = location.hash; // which page it is: a page rendered for an earlier hash is not this one
  document.getElementById('view').replaceChildren(view);
  if (session.token() === null) {
    showNav(false);
    signInPage(view, {
      onSignedIn: () => {
        flash();
        go('#/devices');
      },
    });
    return;
  }
  const [path, search = ''] = (location.hash || '#/devices').split('?');
  const route = routes.find(([pattern]) => pattern.test(path));
  if (!route) {
    go('#/devices');
    return;
  }
  const [pattern, show, section] = route;
  showNav(true, section);
  const params = pattern.exec(path).slice(1).map(decodeURIComponent);
  try {
    await show(view, { params, query: new URLSearchParams(search), signal: page.signal });
  } catch (err) {
    if (page.signal.aborted) return; // the operator moved on: this page's calls were cancelled
    if (err instanceof ApiError && err.status === 401) {
      session.signOut();
      flash(`Signed out: ${err.message}`);
      render();
      return;
    }
    fill(view, errorLine(err));
  }
}

window.addEventListener('hashchange', () => {
  flash();
  render();
});
document.getElementById('sign-out').addEventListener('click', () => {
  session.signOut();
  flash();
  history.replaceState(null, '', location.pathname);
  render();
});
render();
