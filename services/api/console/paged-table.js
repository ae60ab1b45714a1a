// A list the API answers a page at a time (`limit`, `nextCursor`): the first page now, each next
// one when the operator asks for it, appended to the same table.
import { api } from './api.js';
import { el, fill, table, tableRow } from './dom.js';

/** The page size a route asks for with `?limit=N` (1–1000), else `fallback`. */
export function pageSizeOf(query, fallback = 200) {
  const asked = Number(query?.get('limit'));
  return Number.isInteger(asked) && asked >= 1 && asked <= 1000 ? asked : fallback;
}

/**
 * Fills `container` with the first page of `path` as a table and, while there is more, a
 * "Show more" button under it. `prepare(items)` runs before each page is drawn (to fetch what its
 * cells need); `empty` is shown when there is nothing at all; `noun` names the rows in the count
 * (`['device', 'devices']`).
 */
export async function pagedTable(container, { path, pageSize, columns, key, signal, empty, noun, prepare }) {
  const read = async (cursor) => {
    const query = new URLSearchParams({ limit: String(pageSize), ...(cursor ? { cursor } : {}) });
    const page = await api(`${path}${path.includes('?') ? '&' : '?'}${query}`, { signal });
    await prepare?.(page.items);
    return page;
  };
  const first = await read();
  if (!first.items.length) return fill(container, el('p', { className: 'muted' }, empty));
  const grid = table(columns, first.items, key);
  const count = el('p', { className: 'muted paging' });
  const more = el('button', { type: 'button', className: 'secondary show-more' }, 'Show more');
  let shown = first.items.length;
  let cursor = first.nextCursor;
  const drawPaging = () => {
    const rows = `${shown} ${noun[shown === 1 ? 0 : 1]}`;
    fill(count, cursor ? `Showing the first ${rows}.` : `${rows}.`);
    more.hidden = !cursor;
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const page = await read(cursor);
      grid.tBodies[0].append(...page.items.map((row) => tableRow(columns, row, key)));
      [shown, cursor] = [shown + page.items.length, page.nextCursor];
      drawPaging();
    } catch (err) {
      fill(count, `Could not read more: ${err?.message ?? err}`);
    } finally {
      more.disabled = false;
    }
  });
  drawPaging();
  return fill(container, grid, count, more);
}
