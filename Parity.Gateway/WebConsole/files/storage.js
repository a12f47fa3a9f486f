// Storage: upload a file (POST /api/v1/storage/upload), look a CID up (GET /api/v1/storage/info/{cid}), and the CIDs
// uploaded from this tab. The gateway has no route that lists everything it stores, so the list is this tab's own
// (kept in sessionStorage with the key); any CID can be looked up.

import { api } from './api.js';
import { h, fill, bytes, when, table } from './dom.js';

const UPLOADS = 'parity.uploads';

function uploads() {
  try {
    const list = JSON.parse(sessionStorage.getItem(UPLOADS) ?? '[]');
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

function ipfsLink(cid) {
  return h('a', { href: `/ipfs/${encodeURIComponent(cid)}`, rel: 'noreferrer', target: '_blank' }, cid);
}

export function page(main, _parts, ctx) {
  const file = h('input', { id: 'upload-file', type: 'file', required: true, 'aria-label': 'file' });
  const profile = h('select', { id: 'upload-profile', 'aria-label': 'profile' },
    h('option', { value: 'legacy' }, 'legacy (CIDv0, as ipfs add)'), h('option', { value: 'v1-2025' }, 'v1-2025 (CIDv1, raw leaves)'));
  const uploadNote = h('p', { class: 'note', role: 'status' });
  const upload = h('form', { id: 'upload', class: 'toolbar' }, file, profile, h('button', { type: 'submit' }, 'Upload'), uploadNote);
  const cid = h('input', { id: 'lookup-cid', type: 'text', required: true, placeholder: 'CID', 'aria-label': 'CID' });
  const info = h('div', { id: 'lookup-result' });
  const lookup = h('form', { id: 'lookup', class: 'toolbar' }, cid, h('button', { type: 'submit' }, 'Look up'));
  const list = h('div', { id: 'uploads' });
  main.append(h('h1', {}, 'Storage'), h('h2', {}, 'Upload'), upload, h('h2', {}, 'Look up a CID'), lookup, info,
    h('h2', {}, 'Uploaded from this tab'), list);

  function showList() {
    fill(list, table(['cid', 'name', 'size', 'blocks', 'profile', 'pinned'],
      uploads().map((u) => h('tr', { dataset: { cid: u.cid } }, h('td', { class: 'id' }, ipfsLink(u.cid)), h('td', {}, u.name),
        h('td', {}, bytes(u.size)), h('td', {}, u.blocks), h('td', {}, u.profile), h('td', {}, when(u.pinned_at)))),
      'nothing uploaded from this tab'));
  }

  upload.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = file.files[0];
    if (!chosen) return;
    fill(uploadNote, `uploading ${chosen.name}…`);
    try {
      const stored = await api(`/api/v1/storage/upload?profile=${encodeURIComponent(profile.value)}`,
        { method: 'POST', body: chosen, contentType: 'application/octet-stream', signal: ctx.signal });
      sessionStorage.setItem(UPLOADS, JSON.stringify([{ ...stored, name: chosen.name }, ...uploads()].slice(0, 500)));
      fill(uploadNote, `stored as ${stored.cid}`);
      showList();
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

  showList();
}
