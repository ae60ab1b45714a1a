// Building the page from data without ever parsing data as HTML: every value becomes a text node or
// an attribute set through the DOM, so a name like `<img onerror=…>` is shown, never run.

/**
 * `el('button', { className: 'x', onclick: fn, type: 'button' }, 'text', child, …)`: `on…` keys
 * with a function become listeners, others attributes; strings become text nodes, null is skipped.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'className') node.className = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Empties `node` and fills it with `children`. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** A table: `columns` is `[title, row => node or text]`; `key` names a row for tests and updates. */
export function table(columns, rows, key) {
  const head = el(
    'thead',
    {},
    el(
      'tr',
      {},
      columns.map(([title]) => el('th', {}, title)),
    ),
  );
  const body = el(
    'tbody',
    {},
    rows.map((row) => tableRow(columns, row, key)),
  );
  return el('table', {}, head, body);
}

export function tableRow(columns, row, key) {
  return el(
    'tr',
    { 'data-key': key ? key(row) : undefined },
    columns.map(([title, cell]) => el('td', { 'data-col': title }, cell(row))),
  );
}

/** `{ a: 'b' }` as `a=b` chips. */
export function labelChips(labels) {
  return Object.entries(labels ?? {}).map(([k, v]) => el('span', { className: 'chip' }, `${k}=${v}`));
}

/** An ISO time in the operator's locale; empty when absent. */
export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}

/** A status word styled by its value (`succeeded`, `failed`, …). */
export function badge(text) {
  return el('span', { className: `badge badge-${String(text).replace(/[^a-z_-]/gi, '')}` }, text);
}

/** A line for an error: the API's own message, or what went wrong in the browser. */
export function errorLine(err) {
  const message = err?.message ?? String(err);
  const code = err?.code && !message.includes(err.code) ? ` (${err.code})` : '';
  return el('p', { className: 'error', role: 'alert' }, `${message}${code}`);
}

/** Asks before something that cannot be undone. */
export function confirmed(question) {
  return window.confirm(question);
}
