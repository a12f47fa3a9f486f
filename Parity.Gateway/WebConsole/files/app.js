// The console's shell: the key form, the navigation and a router over the location's hash. Each view renders into
// <main> and returns a function that stops its polling and streams when another view replaces it.

import { api, apiKey, ApiError } from './api.js';
import { h, fill } from './dom.js';
import * as runners from './runners.js';
import * as tasks from './tasks.js';
import * as models from './models.js';
import * as sessions from './sessions.js';
import * as storage from './storage.js';

const views = {
  runners: runners.list,
  tasks: tasks.list,
  task: tasks.detail,
  models: models.list,
  sessions: sessions.list,
  session: sessions.detail,
  storage: storage.page,
};

const main = document.getElementById('main');
const login = document.getElementById('login');
const nav = document.getElementById('nav');
const signOut = document.getElementById('sign-out');
const errors = document.getElementById('page-errors');
let stop = () => {};

// Any uncaught error or rejection is shown on the page (and so in a test's view of it), not only in the devtools.
function report(message) {
  errors.hidden = false;
  errors.append(h('li', {}, message));
}
window.addEventListener('error', (event) => report(`error: ${event.message}`));
window.addEventListener('unhandledrejection', (event) => report(`unhandled: ${event.reason?.message ?? event.reason}`));

/** What every view gets: polling that stops with the view, and the view's abort signal for fetches and streams. */
function context() {
  const controller = new AbortController();
  const timers = [];
  return {
    signal: controller.signal,
    every(ms, work) {
      let running = false;
      const tick = async () => {
        if (running || controller.signal.aborted) return;
        running = true;
        try { await work(); } finally { running = false; }
      };
      timers.push(setInterval(tick, ms));
      return tick();
    },
    fail: (error, target) => failure(error, target),
    stop() {
      controller.abort();
      timers.forEach(clearInterval);
    },
  };
}

/** Shows a failed request in place of the view's content; a 401 asks for the key again. */
function failure(error, target) {
  if (error?.name === 'AbortError') return;
  if (error instanceof ApiError && error.status === 401) {
    showLogin('the gateway refused the key: ' + error.message);
    return;
  }
  fill(target, h('p', { class: 'error', role: 'alert' }, String(error?.message ?? error)));
}

function route() {
  stop();
  const [page = 'runners', ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const parts = rest.map((p) => decodeURIComponent(p));
  const name = page === 'tasks' && parts.length ? 'task' : page === 'sessions' && parts.length ? 'session' : page;
  const view = views[name] ?? views.runners;
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('current', a.dataset.page === page);
  const ctx = context();
  stop = () => ctx.stop();
  main.replaceChildren();
  main.dataset.view = name;
  Promise.resolve(view(main, parts, ctx)).catch((error) => failure(error, main));
}

async function refreshCluster() {
  try {
    const status = await api('/api/status');
    fill(document.getElementById('cluster'),
      `${status.cluster_id} · ${status.runners_online} runner(s) online · ${status.slots_free}/${status.slots_total} slots free`);
  } catch {
    fill(document.getElementById('cluster'), 'cluster unreachable');
  }
}

function showLogin(message) {
  stop();
  main.replaceChildren();
  nav.hidden = true;
  signOut.hidden = true;
  login.hidden = false;
  fill(document.getElementById('login-error'), message ?? '');
  document.getElementById('key').focus();
}

function showConsole() {
  login.hidden = true;
  nav.hidden = false;
  signOut.hidden = !apiKey.get();
  refreshCluster();
  route();
}

/** Checks a key against a route that needs it before the console opens; a gateway without a key accepts none. */
async function tryKey() {
  try {
    await api('/api/v1/runners');
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return false;
    throw error;
  }
}

login.addEventListener('submit', async (event) => {
  event.preventDefault();
  apiKey.set(document.getElementById('key').value.trim());
  document.getElementById('key').value = '';
  try {
    if (await tryKey()) showConsole();
    else { apiKey.clear(); showLogin('the gateway refused this key'); }
  } catch (error) {
    showLogin(String(error.message ?? error));
  }
});

signOut.addEventListener('click', () => {
  apiKey.clear();
  showLogin();
});

window.addEventListener('hashchange', () => { if (login.hidden) route(); });
setInterval(() => { if (login.hidden) refreshCluster(); }, 5000);

(async () => {
  // Without a key in this tab, the form first: asking the gateway with none would only log a 401 in the devtools.
  if (!apiKey.get()) { showLogin(); return; }
  try {
    if (await tryKey()) showConsole();
    else showLogin();
  } catch (error) {
    showLogin(String(error.message ?? error));
  }
})();
