// @ts-check
/**
 * Time-series charts drawn with uPlot (loaded as a classic script before this module: the
 * `uPlot` global). A chart keeps its uPlot instance across refreshes and only swaps the data,
 * resizes with its container, and tells tests how many points it draws (`data-points`: values
 * that are not gaps; `data-length`: time steps).
 * @module
 */
import { el } from './dashboard-dom.js';

/**
 * One line of a chart.
 * @typedef {{ label: string, color: string, unit: 'ms' | 'percent' | 'rate' | 'score', dash?: number[] }} LineSpec
 */

/** Colours of the lines, in order (readable on light and dark backgrounds). */
export const PALETTE = ['#1f6feb', '#d4761e', '#cf222e', '#1a7f37', '#8250df', '#bf3989'];

/**
 * A value formatted for the axis and the legend.
 * @param {LineSpec['unit']} unit
 * @param {number | null | undefined} value
 */
function formatValue(unit, value) {
  if (value === null || value === undefined) return '–';
  switch (unit) {
    case 'ms':
      if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
      return `${value >= 10 || value === 0 ? value.toFixed(0) : value >= 1 ? value.toFixed(1) : value.toPrecision(2)} ms`;
    case 'percent':
      return `${(value * 100).toFixed(value >= 0.1 ? 0 : 1)} %`;
    case 'rate':
      return `${value.toFixed(value >= 10 ? 0 : 2)}/s`;
    default:
      return value.toFixed(0);
  }
}

/** A chart of one or more lines over time. */
export class TimeChart {
  /**
   * @param {string} title - shown above the chart (and its accessible name)
   * @param {LineSpec[]} lines
   */
  constructor(title, lines) {
    this.lines = lines;
    this.plotHost = el('div', { class: 'chart', 'data-points': 0 });
    this.element = el('figure', { class: 'card', role: 'group', 'aria-label': title }, el('h3', {}, title), this.plotHost);
    /** @type {uPlot | undefined} */
    this.plot = undefined;
    /** @type {uPlot.AlignedData} */
    this.data = [[], ...lines.map(() => [])];
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(this.plotHost);
  }

  /**
   * Replaces the data: times in unix seconds, one array per line (`null` for gaps).
   * @param {number[]} times
   * @param {(number | null | undefined)[][]} values
   */
  setData(times, values) {
    /** @type {(number | null)[][]} */
    const ys = this.lines.map((_, i) => (values[i] ?? []).map((v) => (v === undefined ? null : v)));
    /** @type {uPlot.AlignedData} */
    const data = [times, ...ys];
    this.data = data;
    const points = ys.reduce((n, line) => n + line.filter((y) => y !== null).length, 0);
    this.plotHost.dataset['points'] = String(points);
    this.plotHost.dataset['length'] = String(times.length);
    if (this.plot) this.plot.setData(data);
    else this.create();
  }

  /** Builds the uPlot instance once the host has a width (it is in the document). */
  create() {
    const width = this.plotHost.clientWidth;
    if (width === 0) return;
    const style = getComputedStyle(document.documentElement);
    const axisColor = style.getPropertyValue('--muted').trim() || '#5b6675';
    const gridColor = style.getPropertyValue('--line').trim() || '#d9dee5';
    const units = [...new Set(this.lines.map((l) => l.unit))];
    /** @type {uPlot.Options} */
    const options = {
      width,
      height: 180,
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      scales: {
        x: { time: true },
        ...Object.fromEntries(units.map((u) => [u, u === 'percent' ? { range: [0, 1] } : u === 'score' ? { range: [0, 100] } : {}])),
      },
      series: [
        {},
        ...this.lines.map((line) => ({
          label: line.label,
          stroke: line.color,
          width: 2,
          scale: line.unit,
          spanGaps: false,
          ...(line.dash ? { dash: line.dash } : {}),
          value: (/** @type {uPlot} */ _u, /** @type {number | null} */ v) => formatValue(line.unit, v),
        })),
      ],
      axes: [
        { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor } },
        ...units.map((unit, i) => ({
          scale: unit,
          side: i === 0 ? 3 : 1,
          stroke: axisColor,
          size: 70,
          grid: { show: i === 0, stroke: gridColor, width: 1 },
          ticks: { stroke: gridColor },
          values: (/** @type {uPlot} */ _u, /** @type {number[]} */ splits) => splits.map((v) => formatValue(unit, v)),
        })),
      ],
    };
    this.plot = new uPlot(options, this.data, this.plotHost);
  }

  /** Follows the container's width (laptop, phone, rotation). */
  resize() {
    const width = this.plotHost.clientWidth;
    if (width === 0) return;
    if (!this.plot) this.create();
    else if (Math.abs(this.plot.width - width) > 1) this.plot.setSize({ width, height: 180 });
  }

  /** Frees the plot and the observer (the view is being replaced). */
  destroy() {
    this.resizeObserver.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
  }
}
