// LLM models and usage: GET /api/v1/llm/models and /api/v1/llm/usage.

import { api } from './api.js';
import { h, fill, bytes, table } from './dom.js';

export async function list(main, _parts, ctx) {
  const catalog = h('div', { id: 'models' });
  const usage = h('div', { id: 'usage' });
  main.append(h('h1', {}, 'LLM models'), catalog, h('h2', {}, 'Usage by client'), usage);
  await ctx.every(5000, async () => {
    try {
      const models = await api('/api/v1/llm/models', { signal: ctx.signal });
      const rows = models.models.flatMap((m) => m.runners.map((r) => h('tr', { dataset: { model: m.name } },
        h('td', { class: 'name' }, m.name), h('td', {}, r.runner), h('td', {}, r.backend),
        h('td', {}, r.loaded ? 'loaded' : 'on disk'), h('td', {}, r.context_length ?? ''), h('td', {}, bytes(r.size_bytes)),
        h('td', {}, r.quantization ?? ''), h('td', { class: 'digest' }, r.digest ?? ''))));
      fill(catalog,
        table(['model', 'runner', 'backend', 'state', 'context', 'size', 'quantization', 'digest'], rows, 'no runner serves a model'),
        h('p', {}, models.can_pull.length ? `Runners that may pull a model on demand: ${models.can_pull.join(', ')}`
          : 'No runner may pull a model on demand.'));
      const report = await api('/api/v1/llm/usage', { signal: ctx.signal });
      fill(usage, table(['client', 'prompts', 'prompt tokens', 'cached prompt tokens', 'completion tokens', 'models'],
        report.clients.map((c) => h('tr', {},
          h('td', { class: 'name' }, c.client_id), h('td', {}, c.prompts), h('td', {}, c.prompt_tokens),
          h('td', {}, c.cached_prompt_tokens), h('td', {}, c.completion_tokens),
          h('td', {}, (c.models ?? []).map((m) => `${m.model} (${m.prompts})`).join(', ')))),
        'no prompt yet'));
    } catch (error) {
      ctx.fail(error, main);
    }
  });
}
