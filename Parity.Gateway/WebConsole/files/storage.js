// Storage: upload a file (POST /api/v1/storage/upload, multipart so the gateway keeps its name), look a CID up
// (GET /api/v1/storage/info/{cid}), and what was uploaded or pinned through the gateway (GET /api/v1/storage/files),
// newest first, a page at a time by the route's cursor. The first page is refreshed every five seconds, so an upload
// from anywhere shows up; an older page stays as it was read.

import { api } from './api.js';
import { h, fill, bytes, when, table } from './dom.js';

const PAGE = 50;

function ipfsLink(cid) {
  return h('a', { href: `/ipfs/${encodeURIComponent(cid)}`, rel: 'noreferrer', target: '_blank' }, cid);
}

export async function page(main, _parts, ctx) {
  const file = h('input', { id: 'upload-file', type: 'file', required: true, 'aria-label': 'file' });
  const profile = h('select', { id: 'upload-profile', 'aria-label': 'profile' },
    h('option', { value: 'legacy' }, 'legacy (CIDv0, as ipfs add)'), h('option', { value: 'v1-2025' }, 'v1-2025 (CIDv1, raw leaves)'));
  const uploadNote = h('p', { class: 'note', role: 'status' });
  const upload = h('form', { id: 'upload', class: 'toolbar' }, file, profile, h('button', { type: 'submit' }, 'Upload'), uploadNote);
  const cid = h('input', { id: 'lookup-cid', type: 'text', required: true, placeholder: 'CID', 'aria-label': 'CID' });
  const info = h('div', { id: 'lookup-result' });
  const lookup = h('form', { id: 'lookup', class: 'toolbar' }, cid, h('button', { type: 'submit' }, 'Look up'));
  const newest = h('button', { id: 'files-newest', type: 'button' }, 'Newest');
  const older = h('button', { id: 'files-older', type: 'button' }, 'Older');
  const counter = h('span', { class: 'counter' });
  const list = h('div', { id: 'uploads' });
  main.append(h('h1', {}, 'Storage'), h('h2', {}, 'Upload'), upload, h('h2', {}, 'Look up a CID'), lookup, info,
    h('h2', {}, 'Uploaded and pinned'), h('div', { class: 'toolbar' }, newest, older, counter), list);

  // The cursors of the pages shown so far: the last one is the page on screen (null: the newest).
  const cursors = [null];

  async function show() {
    const cursor = cursors[cursors.length - 1];
    try {
      const query = new URLSearchParams({ limit: String(PAGE) });
      if (cursor !== null) query.set('cursor', cursor);
      const listed = await api(`/api/v1/storage/files?${query}`, { signal: ctx.signal });
      // A click moved to another page while this one was being read: that page's answer is the one to show.
      if (cursor !== cursors[cursors.length - 1]) return;
      newest.disabled = cursors.length === 1;
      older.disabled = !listed.next;
      older.dataset.next = listed.next ?? '';
      fill(counter, listed.files.length === 0 ? '' : `page ${cursors.length}`);
      fill(list, table(['cid', 'name', 'size', 'blocks', 'profile', 'pinned', 'uploaded'],
        listed.files.map((f) => h('tr', { dataset: { cid: f.cid } }, h('td', { class: 'id' }, ipfsLink(f.cid)),
          h('td', { class: 'name' }, f.name ?? ''), h('td', {}, bytes(f.size)), h('td', {}, f.blocks), h('td', {}, f.profile),
          h('td', {}, (f.pinned_at ?? []).join(', ')), h('td', {}, when(f.uploaded_at)))),
        cursors.length === 1 ? 'nothing uploaded or pinned yet' : 'no older files'));
    } catch (error) {
      ctx.fail(error, list);
    }
  }

  newest.addEventListener('click', () => { cursors.splice(1); show(); });
  older.addEventListener('click', () => {
    if (!older.dataset.next) return;
    cursors.push(older.dataset.next);
    show();
  });

  upload.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = file.files[0];
    if (!chosen) return;
    fill(uploadNote, `uploading ${chosen.name}…`);
    try {
      const form = new FormData();
      form.append('file', chosen, chosen.name);
      // No Content-Type of our own: the browser writes multipart's with its boundary.
      const stored = await api(`/api/v1/storage/upload?profile=${encodeURIComponent(profile.value)}`,
        { method: 'POST', body: form, signal: ctx.signal });
      fill(uploadNote, `stored as ${stored.cid}`);
      cursors.splice(1);
      await show();
    } catch (error) {
      ctx.fail(error, uploadNote);
    }
  });

  lookup.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const found = await api(`/api/v1/storage/info/${encodeURIComponent(cid.value.trim())}`, { signal: ctx.signal });
      fill(info, h('dl', { class: 'fields' },
        h('dt', {}, 'cid'), h('dd', {}, ipfsLink(found.cid)), h('dt', {}, 'type'), h('dd', {}, found.type),
        h('dt', {}, 'size'), h('dd', {}, bytes(found.size)), h('dt', {}, 'blocks'), h('dd', {}, found.blocks),
        h('dt', {}, 'complete'), h('dd', {}, String(found.complete)), h('dt', {}, 'pinned'), h('dd', {}, when(found.pinned_at))));
    } catch (error) {
      ctx.fail(error, info);
    }
  });

  await ctx.every(5000, async () => { if (cursors.length === 1) await show(); });
}
