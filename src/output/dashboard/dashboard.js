// @ts-check
/**
 * The fedscope dashboard: hash routing between the views (`#overview`, `#queries`, …), the window
 * and service selectors (kept in the query string, so a reload or a shared link keeps them),
 * polling every few seconds while the page is visible, and keyboard use of the tabs (arrow keys,
 * Home, End; a skip link to the content).
 * @module
 */
import { readHistory, readJson } from './dashboard-api.js';
import { TimeChart } from './dashboard-charts.js';
import { VIEWS } from './dashboard-views.js';

/** @typedef {import('./dashboard-api.js').SeriesIndex} SeriesIndex */
/** @typedef {import('./dashboard-api.js').FedscopeSnapshot} FedscopeSnapshot */
/** @typedef {import('./dashboard-api.js').AlertsSnapshot} AlertsSnapshot */

/** Seconds between refreshes (at most 5, as the page promises live figures); `?refresh=` changes it (1–5). */
const DEFAULT_REFRESH_SECONDS = 5;

/**
 * An element that must exist in index.html.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
function byId(id, type) {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`the page has no #${id}`);
  return element;
}

const main = byId('main', HTMLElement);
const status = byId('status', HTMLElement);
const windowSelect = byId('window-select', HTMLSelectElement);
const serviceSelect = byId('service-select', HTMLSelectElement);
const serviceControl = byId('service-control', HTMLElement);
const liveToggle = byId('live-toggle', HTMLButtonElement);
const alertBadge = byId('alert-badge', HTMLElement);
const tabs = VIEWS.map((view) => byId(`tab-${view.id}`, HTMLAnchorElement));

const params = new URLSearchParams(location.search);
const refreshSeconds = Math.min(DEFAULT_REFRESH_SECONDS, Math.max(1, Number(params.get('refresh')) || DEFAULT_REFRESH_SECONDS));
if ([...windowSelect.options].some((o) => o.value === params.get('window'))) windowSelect.value = params.get('window') ?? '';

/** Charts by key, kept across refreshes of a view. */
const charts = new Map();
let live = true;
let refreshing = false;
let queued = false;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;

/** The view the hash names (the overview for an empty or unknown hash). */
function currentView() {
  const id = location.hash.slice(1);
  return VIEWS.find((v) => v.id === id) ?? VIEWS[0];
}

/** Reflects the selected view in the tabs (roving tabindex: only the selected tab is in the Tab order). */
function markTabs() {
  const view = currentView();
  tabs.forEach((tab, i) => {
    const selected = VIEWS[i] === view;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    if (selected) main.setAttribute('aria-labelledby', tab.id);
  });
  document.title = `fedscope · ${view?.title ?? ''}`;
}

/** Writes the selectors into the query string (no reload, no history entry). */
function saveSelection() {
  const search = new URLSearchParams(location.search);
  search.set('window', windowSelect.value);
  if (serviceSelect.value === '') search.delete('service');
  else search.set('service', serviceSelect.value);
  history.replaceState(null, '', `${location.pathname}?${search.toString()}${location.hash}`);
}

/**
 * Fills the service selector (shown only when there is more than one service).
 * @param {string[]} services
 */
function showServices(services) {
  const wanted = serviceSelect.value || new URLSearchParams(location.search).get('service') || '';
  const known = [...serviceSelect.options].map((o) => o.value).slice(1);
  if (known.join('\n') !== services.join('\n')) {
    serviceSelect.replaceChildren(serviceSelect.options[0] ?? new Option('all services', ''), ...services.map((s) => new Option(s, s)));
  }
  serviceSelect.value = services.includes(wanted) ? wanted : '';
  serviceControl.hidden = services.length < 2;
}

/**
 * The services and history series: series.json when the server has it, else the services the
 * statistics name.
 * @returns {Promise<{ services: string[], historySeries: Set<string> | undefined, retentionSeconds: number }>}
 */
async function readIndex() {
  const index = await readJson('series.json');
  if (index.ok) {
    const data = /** @type {SeriesIndex} */ (index.data);
    const retentionSeconds = Math.max(...data.tiers.map((t) => t.retentionSeconds - t.stepSeconds));
    return { services: [...data.services].sort(), historySeries: new Set(data.series.map((s) => s.key)), retentionSeconds };
  }
  const snapshot = await readJson('snapshot.json');
  const services = snapshot.ok
    ? [...new Set(/** @type {FedscopeSnapshot} */ (snapshot.data).queries.map((q) => q.labels['service'] ?? ''))]
        .filter((s) => s !== '')
        .sort()
    : [];
  return { services, historySeries: undefined, retentionSeconds: Infinity };
}

/** Updates the alert badge on the Alerts tab. */
async function refreshBadge() {
  const alerts = await readJson('alerts.json');
  const firing =
    alerts.ok && alerts.data !== null ? /** @type {AlertsSnapshot} */ (alerts.data).active.filter((a) => a.state === 'firing').length : 0;
  alertBadge.hidden = firing === 0;
  alertBadge.textContent = String(firing);
  alertBadge.setAttribute('aria-label', `${firing} firing`);
}

/** Renders the current view with fresh data; a refresh asked for meanwhile runs right after. */
async function refresh() {
  if (refreshing) {
    queued = true;
    return;
  }
  refreshing = true;
  clearTimeout(timer);
  const view = currentView();
  try {
    if (!view) return;
    const index = await readIndex();
    showServices(index.services);
    const used = new Set();
    const windowSeconds = Number(windowSelect.value);
    // A window past what the history keeps asks for what it keeps (a request past it is refused).
    const historySeconds = Math.min(windowSeconds, index.retentionSeconds);
    /** Several charts draw the same series: one request each per refresh. */
    const historyReads = new Map();
    /** @type {import('./dashboard-views.js').ViewContext} */
    const context = {
      windowSeconds,
      service: serviceSelect.value,
      historySeries: index.historySeries,
      history(series) {
        let read = historyReads.get(series);
        if (!read) {
          read = readHistory(series, historySeconds);
          historyReads.set(series, read);
        }
        return read;
      },
      chart(key, title, lines) {
        used.add(key);
        let chart = charts.get(key);
        if (!chart) {
          chart = new TimeChart(title, lines);
          charts.set(key, chart);
        }
        return chart;
      },
    };
    const [nodes] = await Promise.all([view.render(context), refreshBadge()]);
    if (view !== currentView()) return; // the user moved on while the data came in
    const focusKey = document.activeElement instanceof HTMLElement ? document.activeElement.dataset['focusKey'] : undefined;
    main.replaceChildren(...nodes);
    main.dataset['view'] = view.id;
    if (focusKey) /** @type {HTMLElement | null} */ (main.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`))?.focus();
    for (const [key, chart] of charts)
      if (!used.has(key)) {
        chart.destroy();
        charts.delete(key);
      } else chart.resize();
    status.classList.remove('error');
    status.textContent = `updated ${new Date().toLocaleTimeString('en-GB', { hour12: false })}`;
  } catch (error) {
    status.classList.add('error');
    status.textContent = `update failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    refreshing = false;
    if (queued) {
      queued = false;
      void refresh();
    } else schedule();
  }
}

/** Plans the next refresh while live and visible (a hidden tab costs the observed service nothing). */
function schedule() {
  clearTimeout(timer);
  if (live && !document.hidden) timer = setTimeout(() => void refresh(), refreshSeconds * 1000);
}

/**
 * Moves to another view from the keyboard: focus the tab and show its view.
 * @param {number} index
 */
function selectTab(index) {
  const tab = tabs[(index + tabs.length) % tabs.length];
  if (!tab) return;
  tab.focus();
  location.hash = tab.hash;
}

document.getElementById('tablist')?.addEventListener('keydown', (event) => {
  const index = tabs.findIndex((t) => t === document.activeElement);
  if (index < 0) return;
  const moves = { ArrowRight: index + 1, ArrowDown: index + 1, ArrowLeft: index - 1, ArrowUp: index - 1, Home: 0, End: tabs.length - 1 };
  const target = /** @type {Record<string, number | undefined>} */ (moves)[event.key];
  if (target === undefined) return;
  event.preventDefault();
  selectTab(target);
});
document.querySelector('.skip-link')?.addEventListener('click', (event) => {
  // The hash routes views: move focus to the content without touching it.
  event.preventDefault();
  main.focus();
});
window.addEventListener('hashchange', () => {
  markTabs();
  main.replaceChildren();
  void refresh();
});
windowSelect.addEventListener('change', () => {
  saveSelection();
  void refresh();
});
serviceSelect.addEventListener('change', () => {
  saveSelection();
  void refresh();
});
liveToggle.addEventListener('click', () => {
  live = !live;
  liveToggle.setAttribute('aria-pressed', String(live));
  liveToggle.textContent = live ? 'Live' : 'Paused';
  if (live) void refresh();
  else clearTimeout(timer);
});
document.addEventListener('visibilitychange', () => {
  if (!document.hidden && live) void refresh();
});

markTabs();
void refresh();
