// Tasks: the list (GET /api/v1/tasks, filtered by status on the server and by text here) refreshed every two
// seconds, so a task's status changes on screen as it runs; and one task (GET /api/v1/tasks/{id} and its /logs)
// polled while it runs, so its events and output appear as the runner produces them.

import { api, ApiError } from './api.js';
import { h, fill, badge, when, table, link } from './dom.js';

const STATUSES = ['', 'pending', 'running', 'completed', 'failed', 'cancelled'];
const PAGE = 50;
const FINISHED = ['completed', 'failed', 'cancelled'];

export async function list(main, _parts, ctx) {
  const state = { status: '', text: '', offset: 0 };
  const status = h('select', { id: 'status-filter', 'aria-label': 'status' },
    STATUSES.map((s) => h('option', { value: s }, s || 'any status')));
  const text = h('input', { id: 'text-filter', type: 'search', placeholder: 'id, title, type or runner', 'aria-label': 'filter' });
  const previous = h('button', { type: 'button' }, 'Newer');
  const next = h('button', { type: 'button' }, 'Older');
  const counter = h('span', { class: 'counter' });
  const body = h('div', { id: 'tasks' });
  main.append(h('h1', {}, 'Tasks'), h('div', { class: 'toolbar' }, status, text, previous, next, counter), body);

  async function refresh() {
    try {
      const query = new URLSearchParams({ offset: String(state.offset), limit: String(PAGE) });
      if (state.status) query.set('status', state.status);
      const page = await api(`/api/v1/tasks?${query}`, { signal: ctx.signal });
      const needle = state.text.toLowerCase();
      const shown = page.tasks.filter((t) => !needle ||
        [t.id, t.title, t.type, t.runner].some((v) => String(v ?? '').toLowerCase().includes(needle)));
      fill(counter, page.total === 0 ? 'no task' : `${page.offset + 1}–${page.offset + page.tasks.length} of ${page.total}`);
      previous.disabled = state.offset === 0;
      next.disabled = page.offset + page.tasks.length >= page.total;
      fill(body, table(['id', 'title', 'type', 'status', 'runner', 'created', 'updated'],
        shown.map((t) => h('tr', { dataset: { task: t.id } },
          h('td', { class: 'id' }, h('a', { href: link('tasks', t.id) }, t.id)),
          h('td', { class: 'title' }, t.title ?? ''),
          h('td', {}, t.type),
          h('td', { class: 'status' }, badge(t.status)),
          h('td', {}, t.runner ?? ''),
          h('td', {}, when(t.created_at)),
          h('td', {}, when(t.updated_at)))),
        'no task matches'));
    } catch (error) {
      ctx.fail(error, body);
    }
  }

  status.addEventListener('change', () => { state.status = status.value; state.offset = 0; refresh(); });
  text.addEventListener('input', () => { state.text = text.value; refresh(); });
  previous.addEventListener('click', () => { state.offset = Math.max(0, state.offset - PAGE); refresh(); });
  next.addEventListener('click', () => { state.offset += PAGE; refresh(); });
  await ctx.every(2000, refresh);
}

function field(name, value) {
  return [h('dt', {}, name), h('dd', { dataset: { field: name } }, value ?? '')];
}

export async function detail(main, [id], ctx) {
  const path = `/api/v1/tasks/${encodeURIComponent(id)}`;
  const summary = h('dl', { id: 'task', class: 'fields' });
  const events = h('ol', { id: 'task-events', class: 'events' });
  const stdout = h('pre', { id: 'task-stdout', class: 'output' });
  const stdoutNote = h('p', {});
  const stderr = h('pre', { id: 'task-stderr', class: 'output' });
  const cancel = h('button', { type: 'button', hidden: true }, 'Cancel task');
  const heading = h('h1', {}, 'Task ', h('code', {}, id));
  main.append(h('p', {}, h('a', { href: '#/tasks' }, '← all tasks')), heading, cancel, summary,
    h('h2', {}, 'Events'), events, h('h2', {}, 'stdout'), stdout, stdoutNote, h('h2', {}, 'stderr'), stderr);
  cancel.addEventListener('click', async () => {
    try { await api(`${path}/cancel`, { method: 'POST' }); } catch (error) { ctx.fail(error, summary); }
  });

  let finished = false;
  await ctx.every(1000, async () => {
    if (finished) return;
    try {
      const task = await api(path, { signal: ctx.signal });
      fill(summary,
        field('title', task.title), field('type', task.type), field('status', badge(task.status)),
        field('runner', task.runner), field('attempt', task.attempt), field('created', when(task.created_at)),
        field('updated', when(task.updated_at)), field('completed', when(task.completed_at)), field('error', task.error),
        field('config', h('code', {}, JSON.stringify(task.config))));
      cancel.hidden = FINISHED.includes(task.status);
      const logs = await api(`${path}/logs`, { signal: ctx.signal });
      fill(events, logs.events.map((e) => h('li', {}, h('time', {}, when(e.at)), ' ', e.message)));
      fill(stdout, logs.stdout ?? '');
      fill(stderr, logs.stderr ?? '');
      fill(stdoutNote, logs.stdout_file ? `stdout is ${logs.stdout_file.bytes} bytes, shown here cut; the whole stream: ${logs.stdout_file.url}` : '');
      // The last poll after it finished has shown the final logs; nothing changes any more.
      finished = FINISHED.includes(task.status) && !logs.live;
    } catch (error) {
      // An unknown (or expired) id stays unknown: say so once and stop asking.
      if (error instanceof ApiError && error.status === 404) finished = true;
      ctx.fail(error, summary);
    }
  });
}
