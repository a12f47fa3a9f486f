// Runners: GET /api/v1/runners, refreshed every few seconds.

import { api } from './api.js';
import { h, fill, badge, bytes, when, table, link } from './dom.js';

function capabilities(c) {
  const parts = [`${c.cores} cores`, bytes(c.memory_bytes), `${c.os}/${c.architecture}`, c.compute];
  if (c.compute_device) parts.push(c.compute_device);
  if (c.shell) parts.push('shell');
  if (c.docker) parts.push(`docker ${c.docker_version ?? ''}`.trim());
  if (c.can_pull_models) parts.push('pulls models');
  return parts.filter(Boolean).join(' · ');
}

export async function list(main, _parts, ctx) {
  const body = h('div', { id: 'runners' });
  main.append(h('h1', {}, 'Runners'), body);
  await ctx.every(3000, async () => {
    try {
      const runners = await api('/api/v1/runners', { signal: ctx.signal });
      fill(body, table(['name', 'status', 'slots', 'capabilities', 'task types', 'models', 'running', 'last heartbeat'],
        runners.map((r) => h('tr', { dataset: { runner: r.name } },
          h('td', { class: 'name' }, r.name),
          h('td', {}, badge(r.status)),
          h('td', { class: 'slots' }, `${r.slots_used}/${r.slots_total} used`),
          h('td', {}, capabilities(r.capabilities)),
          h('td', {}, (r.capabilities.task_types ?? []).join(', ')),
          h('td', {}, (r.capabilities.models ?? []).map((m) => `${m.name}${m.loaded ? ' (loaded)' : ''}`).join(', ')),
          h('td', {}, (r.running_tasks ?? []).map((id, i) => [i ? ', ' : '', h('a', { href: link('tasks', id) }, id)])),
          h('td', {}, when(r.last_heartbeat)))),
        'no runner has joined the cluster'));
    } catch (error) {
      ctx.fail(error, body);
    }
  });
}
