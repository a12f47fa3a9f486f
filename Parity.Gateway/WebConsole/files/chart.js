// A line chart drawn as SVG by hand: rounds on x, one polyline and one dot per series and round. Colours come from
// the style sheet (classes series-0, series-1, …), so the chart needs no inline style under the page's CSP.

import { s, number } from './dom.js';

const WIDTH = 480;
const HEIGHT = 220;
const PAD = { left: 52, right: 12, top: 26, bottom: 30 };

function niceRange(values) {
  let low = Math.min(...values);
  let high = Math.max(...values);
  if (low === high) { low -= 0.5; high += 0.5; }
  const margin = (high - low) * 0.08;
  return [low - margin, high + margin];
}

/**
 * @param title shown above the plot
 * @param series [{name, points: [{round, value}]}]; points without a number are skipped
 * @param rounds the session's total rounds, so the x axis is the whole session from the first point on
 */
export function lineChart(title, series, rounds) {
  const drawn = series.map((line) => ({ ...line, points: line.points.filter((p) => Number.isFinite(p.value)) }))
    .filter((line) => line.points.length > 0);
  const svg = s('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'img', 'aria-label': title,
    dataset: { points: String(Math.max(0, ...drawn.map((l) => l.points.length))) },
  });
  svg.append(s('text', { x: 8, y: 16, class: 'chart-title' }, title));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  svg.append(s('rect', { x: PAD.left, y: PAD.top, width: plotWidth, height: plotHeight, class: 'chart-frame' }));
  if (drawn.length === 0) {
    svg.append(s('text', { x: PAD.left + plotWidth / 2, y: PAD.top + plotHeight / 2, class: 'chart-empty' }, 'no round aggregated yet'));
    return svg;
  }
  const allRounds = drawn.flatMap((l) => l.points.map((p) => p.round));
  const lastRound = Math.max(rounds || 1, ...allRounds);
  const [low, high] = niceRange(drawn.flatMap((l) => l.points.map((p) => p.value)));
  const x = (round) => PAD.left + (lastRound === 1 ? plotWidth / 2 : ((round - 1) / (lastRound - 1)) * plotWidth);
  const y = (value) => PAD.top + plotHeight - ((value - low) / (high - low)) * plotHeight;

  for (let i = 0; i <= 4; i++) {
    const value = low + ((high - low) * i) / 4;
    svg.append(s('line', { x1: PAD.left, x2: PAD.left + plotWidth, y1: y(value), y2: y(value), class: 'chart-grid' }));
    svg.append(s('text', { x: PAD.left - 6, y: y(value) + 4, class: 'chart-axis chart-axis-y' }, number(value, 3)));
  }
  const step = Math.max(1, Math.ceil(lastRound / 10));
  for (let round = 1; round <= lastRound; round += step)
    svg.append(s('text', { x: x(round), y: HEIGHT - 10, class: 'chart-axis chart-axis-x' }, String(round)));

  drawn.forEach((line, index) => {
    const points = [...line.points].sort((a, b) => a.round - b.round);
    svg.append(s('polyline', {
      points: points.map((p) => `${x(p.round).toFixed(1)},${y(p.value).toFixed(1)}`).join(' '),
      class: `chart-line series-${index}`,
    }));
    for (const p of points) {
      svg.append(s('circle', {
        cx: x(p.round).toFixed(1), cy: y(p.value).toFixed(1), r: 3.5, class: `chart-dot series-${index}`,
        dataset: { series: line.name, round: String(p.round), value: String(p.value) },
      }, s('title', {}, `${line.name}, round ${p.round}: ${number(p.value)}`)));
    }
    // The keys sit in the title's row, right-aligned, clear of the plot.
    const legendX = WIDTH - PAD.right - (drawn.length - index) * 108;
    svg.append(s('rect', { x: legendX, y: 7, width: 10, height: 10, class: `chart-key series-${index}` }));
    svg.append(s('text', { x: legendX + 14, y: 16, class: 'chart-legend' }, line.name));
  });
  return svg;
}
