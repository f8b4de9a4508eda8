// @ts-check
/**
 * DOM helpers of the fedscope dashboard. Every text from the server (query names, SQL text, alert
 * annotations) goes in as textContent, never as HTML: SQL text is user data.
 * @module
 */

/** @typedef {Node | string | number | null | undefined | false} Child */

/**
 * Creates an element with attributes and children; strings become text nodes.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number | boolean | undefined>} [attributes] - `class`, `href`, `data-*`, aria… (false/undefined: left out)
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

/**
 * Appends children (nested arrays flattened, empty values skipped).
 * @param {Node} parent
 * @param {(Child | Child[])[]} children
 */
export function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/**
 * A table with a header row; cells are children (a `{ num: … }` cell is right-aligned).
 * @param {string[]} headers - header texts; one ending in `#` is numeric (the `#` is dropped)
 * @param {(Child | Child[])[][]} rows
 * @param {string} [caption]
 * @returns {HTMLElement}
 */
export function table(headers, rows, caption) {
  const numeric = headers.map((h) => h.endsWith('#'));
  return el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      {},
      caption ? el('caption', { class: 'muted' }, caption) : null,
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          headers.map((h, i) => el('th', { class: numeric[i] ? 'num' : undefined, scope: 'col' }, h.replace(/#$/, ''))),
        ),
      ),
      el(
        'tbody',
        {},
        rows.map((row) =>
          el(
            'tr',
            {},
            row.map((cell, i) => el('td', { class: numeric[i] ? 'num' : undefined }, cell)),
          ),
        ),
      ),
    ),
  );
}

/**
 * A muted notice (no data, route missing).
 * @param {string} text
 */
export function notice(text) {
  return el('p', { class: 'notice' }, text);
}

/**
 * Milliseconds, short (`12.3 ms`, `1.24 s`); `–` for no data.
 * @param {number | null | undefined} ms
 */
export function formatMs(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2)} ms`;
}

/**
 * A ratio as a percentage; `–` for no data.
 * @param {number | null | undefined} ratio
 */
export function formatPercent(ratio) {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '–';
  return `${(ratio * 100).toFixed(ratio >= 0.1 ? 1 : 2)} %`;
}

/**
 * A number, short; `–` for no data.
 * @param {number | null | undefined} value
 * @param {number} [digits]
 */
export function formatNumber(value, digits = 2) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return Number.isInteger(value) ? value.toLocaleString('en') : value.toFixed(digits);
}

/**
 * A time of day from an ISO string or ms since the epoch.
 * @param {string | number} time
 */
export function formatTime(time) {
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? String(time) : date.toLocaleTimeString('en-GB', { hour12: false });
}

/**
 * Labels as `key=value` pairs, `service` first.
 * @param {Record<string, string>} labels
 * @param {string[]} [skip] - keys to leave out
 */
export function formatLabels(labels, skip = []) {
  return Object.entries(labels)
    .filter(([k]) => !skip.includes(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
