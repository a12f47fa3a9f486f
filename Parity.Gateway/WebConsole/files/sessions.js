// Federated sessions: the list (GET /api/v1/federated-learning/sessions), and one session (GET …/sessions/{id})
// followed live through its event stream (GET …/sessions/{id}/events, replayed from its first event): each
// round_aggregated event adds its round's point to the loss and accuracy charts as it arrives, and the session (its
// participants' states, its rounds) is read again after each event.

import { api, events, ApiError } from './api.js';
import { h, fill, badge, when, number, table, link } from './dom.js';
import { lineChart } from './chart.js';

const BASE = '/api/v1/federated-learning/sessions';
const FINISHED = ['completed', 'failed', 'cancelled'];
const SHOWN_EVENTS = 200;

export async function list(main, _parts, ctx) {
  const body = h('div', { id: 'sessions' });
  main.append(h('h1', {}, 'Federated sessions'), body);
  await ctx.every(3000, async () => {
    try {
      const reply = await api(BASE, { signal: ctx.signal });
      fill(body, table(['id', 'name', 'model', 'status', 'round', 'created', 'updated'],
        reply.sessions.map((s) => h('tr', { dataset: { session: s.id } },
          h('td', { class: 'id' }, h('a', { href: link('sessions', s.id) }, s.id)),
          h('td', { class: 'name' }, s.name), h('td', {}, s.model_type), h('td', {}, badge(s.status)),
          h('td', {}, `${s.current_round}/${s.total_rounds}`), h('td', {}, when(s.created_at)), h('td', {}, when(s.updated_at)))),
        'no session yet'));
    } catch (error) {
      ctx.fail(error, body);
    }
  });
}

/** The charts' series from the rounds' metrics, by round. */
function series(metrics) {
  const rounds = [...metrics.keys()].sort((a, b) => a - b);
  const pick = (read) => rounds.map((round) => ({ round, value: read(metrics.get(round)) }));
  const loss = [
    { name: 'train loss', points: pick((m) => m.train_loss) },
    { name: 'test loss', points: pick((m) => m.test_loss) },
    { name: 'held-out loss', points: pick((m) => m.federated_evaluation?.loss) },
  ];
  const accuracy = [
    { name: 'train accuracy', points: pick((m) => m.train_accuracy) },
    { name: 'test accuracy', points: pick((m) => m.test_accuracy) },
    { name: 'held-out accuracy', points: pick((m) => m.federated_evaluation?.accuracy) },
  ];
  const regression = [
    { name: 'test R²', points: pick((m) => m.test_r_squared) },
    { name: 'held-out R²', points: pick((m) => m.federated_evaluation?.r_squared) },
  ];
  const has = (lines) => lines.some((l) => l.points.some((p) => Number.isFinite(p.value)));
  return { loss, score: has(accuracy) || !has(regression) ? ['accuracy', accuracy] : ['R²', regression] };
}

export async function detail(main, [id], ctx) {
  const path = `${BASE}/${encodeURIComponent(id)}`;
  const summary = h('dl', { id: 'session', class: 'fields' });
  const charts = h('div', { id: 'charts', class: 'charts' });
  const participants = h('div', { id: 'participants' });
  const rounds = h('div', { id: 'rounds' });
  const stream = h('p', { id: 'stream', class: 'stream' });
  const log = h('ol', { id: 'session-events', class: 'events' });
  main.append(h('p', {}, h('a', { href: '#/sessions' }, '← all sessions')), h('h1', {}, 'Session ', h('code', {}, id)),
    summary, charts, h('h2', {}, 'Participants'), participants, h('h2', {}, 'Rounds'), rounds,
    h('h2', {}, 'Events'), stream, log);

  const metrics = new Map();
  let session = null;

  function drawCharts() {
    const { loss, score } = series(metrics);
    fill(charts,
      lineChart('loss per round', loss, session?.total_rounds),
      lineChart(`${score[0]} per round`, score[1], session?.total_rounds));
  }

  function show(view) {
    session = view;
    fill(summary,
      h('dt', {}, 'name'), h('dd', {}, view.name), h('dt', {}, 'model'), h('dd', {}, view.model_type),
      h('dt', {}, 'status'), h('dd', { dataset: { field: 'status' } }, badge(view.status)),
      h('dt', {}, 'round'), h('dd', { dataset: { field: 'round' } }, `${view.current_round}/${view.total_rounds}`),
      h('dt', {}, 'aggregation'), h('dd', {}, view.aggregation_method ?? ''),
      h('dt', {}, 'error'), h('dd', {}, view.error ?? ''));
    const current = (view.rounds ?? []).at(-1);
    const updates = new Map((current?.updates ?? []).map((u) => [u.part_index, u]));
    fill(participants, table(['runner', 'part', 'rows', 'held out', 'state', 'this round', 'loss', 'accuracy'],
      (view.participants ?? []).map((p) => {
        const update = updates.get(p.part_index);
        return h('tr', { dataset: { participant: p.runner } },
          h('td', { class: 'name' }, p.runner + (p.external ? ' (external)' : '')), h('td', {}, p.part_index),
          h('td', {}, p.rows ?? ''), h('td', {}, p.held_out_rows ?? ''), h('td', {}, badge(p.state)),
          h('td', {}, update ? badge(update.status) : ''), h('td', {}, number(update?.loss)), h('td', {}, number(update?.accuracy)));
      }), 'no participant yet'));
    fill(rounds, table(['round', 'status', 'accepted', 'rejected', 'train loss', 'train accuracy', 'test accuracy', 'closed', 'reason'],
      (view.rounds ?? []).map((r) => h('tr', { dataset: { round: r.round } },
        h('td', {}, r.round), h('td', {}, badge(r.status)), h('td', {}, r.accepted), h('td', {}, r.rejected),
        h('td', {}, number(r.metrics?.train_loss)), h('td', {}, number(r.metrics?.train_accuracy)),
        h('td', {}, number(r.metrics?.test_accuracy)), h('td', {}, when(r.closed_at)), h('td', {}, r.close_reason ?? ''))),
      'no round yet'));
    drawCharts();
  }

  async function reload() {
    try {
      show(await api(path, { signal: ctx.signal }));
    } catch (error) {
      ctx.fail(error, summary);
    }
  }

  let pending = null;
  function reloadSoon() {
    if (pending) return;
    pending = setTimeout(() => { pending = null; reload(); }, 300);
  }
  ctx.signal.addEventListener('abort', () => clearTimeout(pending));

  await reload();
  if (!session) return; // the gateway's answer (an unknown id, say) is shown in place of the session
  let last = 0;
  while (!ctx.signal.aborted) {
    try {
      fill(stream, 'following the event stream');
      for await (const event of events(`${path}/events?after=${last}`, ctx.signal)) {
        last = Number(event.id ?? last);
        const data = event.data;
        if (data.metrics && data.round && (event.type === 'round_aggregated' || event.type === 'round_evaluated')) {
          metrics.set(data.round, { ...metrics.get(data.round), ...data.metrics });
          drawCharts();
        }
        log.prepend(h('li', { dataset: { type: event.type } }, h('time', {}, when(data.time)), ' ', h('strong', {}, event.type),
          data.round ? ` round ${data.round}` : '', data.runner ? ` · ${data.runner}` : '', ' — ', data.message ?? ''));
        while (log.children.length > SHOWN_EVENTS) log.lastChild.remove();
        reloadSoon();
      }
      await reload();
      if (!session || FINISHED.includes(session.status)) {
        // The stream replays every event from the first, so the charts already hold every round; a round whose
        // event the session no longer keeps is taken from the session's own record.
        for (const round of session?.rounds ?? [])
          if (round.metrics && !metrics.has(round.round)) metrics.set(round.round, round.metrics);
        drawCharts();
        fill(stream, `the session is ${session?.status ?? 'gone'}; its stream has ended`);
        return;
      }
    } catch (error) {
      if (ctx.signal.aborted) return;
      // Refused (the key, an unknown id): shown as the gateway said it; only a busy or broken stream is retried.
      if (error instanceof ApiError && error.status !== 503) {
        ctx.fail(error, stream);
        return;
      }
      fill(stream, `the event stream broke (${error.message ?? error}); reconnecting`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}
