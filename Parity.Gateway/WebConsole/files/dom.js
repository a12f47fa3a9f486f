// Builds the page from elements and text nodes only. No value is ever parsed as markup or put into an attribute that the
// browser would run, so task titles, runner names and messages — input from anyone who can submit — stay text.

const SVG = 'http://www.w3.org/2000/svg';

function build(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** An HTML element: h('td', {class: 'x'}, 'text', otherNode). Strings become text nodes. */
export function h(tag, attributes, ...children) {
  return build(document.createElement(tag), attributes, children);
}

/** An SVG element, for the charts. */
export function s(tag, attributes, ...children) {
  return build(document.createElementNS(SVG, tag), attributes, children);
}

/** Replaces an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  return build(element, null, children);
}

/** A link to another view of the console; the id is encoded, never interpreted. */
export function link(route, ...parts) {
  return '#/' + [route, ...parts.map((p) => encodeURIComponent(p))].join('/');
}

export function when(value) {
  if (!value) return '';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

export function bytes(value) {
  if (value === undefined || value === null) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let n = Number(value);
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) { n /= 1024; unit++; }
  return `${unit === 0 ? n : n.toFixed(1)} ${units[unit]}`;
}

export function number(value, digits = 4) {
  if (value === undefined || value === null) return '';
  return Number.isInteger(value) ? String(value) : Number(value).toFixed(digits);
}

/** A status word as a badge whose class (from a fixed set) colours it. */
export function badge(status) {
  const known = ['online', 'offline', 'pending', 'running', 'completed', 'failed', 'cancelled', 'active', 'collecting',
    'accepted', 'rejected', 'lost', 'late', 'healthy', 'unhealthy'];
  const word = String(status ?? '');
  return h('span', { class: `badge ${known.includes(word) ? 'badge-' + word : ''}`, dataset: { status: word } }, word);
}

export function table(headers, rows, empty = 'nothing yet') {
  return h('table', {},
    h('thead', {}, h('tr', {}, headers.map((name) => h('th', {}, name)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headers.length, class: 'empty' }, empty))));
}
