// The console's only way to the cluster: the gateway's public routes, with the API key as a Bearer token. The key
// lives in this tab's sessionStorage (gone when the tab closes) and travels only in the Authorization header, never
// in a URL, so it does not end up in history, logs or a Referer.

const KEY = 'parity.apiKey';

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

export const apiKey = {
  get: () => sessionStorage.getItem(KEY),
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

function headers(extra) {
  const all = { ...extra };
  const key = apiKey.get();
  if (key) all.Authorization = `Bearer ${key}`;
  return all;
}

async function problem(response) {
  let detail = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body && (body.detail || body.title)) detail = `${response.status}: ${body.detail ?? body.title}`;
  } catch {
    // Not a problem document: the status line says enough.
  }
  return new ApiError(response.status, detail);
}

/** GET (or another method) of a JSON route; throws ApiError with the problem's detail. */
export async function api(path, { method = 'GET', body, contentType, signal } = {}) {
  const response = await fetch(path, {
    method,
    body,
    signal,
    cache: 'no-store',
    headers: headers({ Accept: 'application/json', ...(contentType ? { 'Content-Type': contentType } : {}) }),
  });
  if (!response.ok) throw await problem(response);
  return response.status === 204 ? null : response.json();
}

/**
 * A server-sent event stream read with fetch, which (unlike EventSource) can send the Authorization header.
 * Yields {id, type, data} with data parsed as JSON; ends when the server closes the stream.
 */
export async function* events(path, signal) {
  const response = await fetch(path, { signal, cache: 'no-store', headers: headers({ Accept: 'text/event-stream' }) });
  if (!response.ok) throw await problem(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer = (buffer + value).replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = { id: null, type: 'message', data: '' };
      const data = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue; // a comment: the keep-alive
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') event.id = text;
        else if (field === 'event') event.type = text;
        else if (field === 'data') data.push(text);
      }
      if (data.length === 0) continue;
      try {
        event.data = JSON.parse(data.join('\n'));
      } catch {
        event.data = data.join('\n');
      }
      yield event;
    }
  }
}
