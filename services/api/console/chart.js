// A small line chart as inline SVG, built node by node like the rest of the console (no library, no
// HTML parsing): one line and one dot per point for each series, the value range on the left and the
// time range underneath.

const svgNs = 'http://www.w3.org/2000/svg';
const size = { width: 640, height: 220, left: 64, right: 12, top: 12, bottom: 28 };

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(svgNs, tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The smallest and largest of `values`, widened a little so a flat series is not drawn on the frame. */
function rangeOf(values) {
  let [low, high] = [Math.min(...values), Math.max(...values)];
  const pad = high > low ? (high - low) * 0.08 : Math.abs(high) * 0.05 || 1;
  return [low - pad, high + pad];
}

const figure = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString());
const clock = (ms) => new Date(ms).toLocaleTimeString();

/**
 * `series` is `[{ name, className, points: [{ x: epoch ms, y }] }]`. Returns an `<svg>` with a
 * `<polyline>` and a `<circle data-series=name>` per point of each series, or null when no series
 * has a point.
 */
export function lineChart(series, { label } = {}) {
  const points = series.flatMap((s) => s.points);
  if (!points.length) return null;
  const [x0, x1] = [Math.min(...points.map((p) => p.x)), Math.max(...points.map((p) => p.x))];
  const [y0, y1] = rangeOf(points.map((p) => p.y));
  const plotW = size.width - size.left - size.right;
  const plotH = size.height - size.top - size.bottom;
  const px = (x) => size.left + (x1 > x0 ? ((x - x0) / (x1 - x0)) * plotW : plotW / 2);
  const py = (y) => size.top + (1 - (y - y0) / (y1 - y0)) * plotH;
  const chart = svg('svg', { viewBox: `0 0 ${size.width} ${size.height}`, class: 'chart', role: 'img', 'aria-label': label });
  const bottom = size.top + plotH;
  chart.append(
    svg('rect', { x: size.left, y: size.top, width: plotW, height: plotH, class: 'chart-frame' }),
    svg('text', { x: size.left - 6, y: size.top + 10, 'text-anchor': 'end', class: 'chart-axis' }, figure(y1)),
    svg('text', { x: size.left - 6, y: bottom, 'text-anchor': 'end', class: 'chart-axis' }, figure(y0)),
    svg('text', { x: size.left, y: size.height - 8, class: 'chart-axis' }, clock(x0)),
    svg('text', { x: size.left + plotW, y: size.height - 8, 'text-anchor': 'end', class: 'chart-axis' }, clock(x1)),
  );
  for (const s of series) {
    if (!s.points.length) continue;
    const group = svg('g', { class: `chart-series ${s.className ?? ''}`, 'data-series': s.name });
    group.append(svg('polyline', { points: s.points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ') }));
    for (const p of s.points) {
      const dot = svg('circle', { cx: px(p.x).toFixed(1), cy: py(p.y).toFixed(1), r: 3, 'data-series': s.name });
      dot.append(svg('title', {}, `${s.name} ${figure(p.y)} at ${clock(p.x)}`));
      group.append(dot);
    }
    chart.append(group);
  }
  return chart;
}
