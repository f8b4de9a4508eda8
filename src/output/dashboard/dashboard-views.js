// @ts-check
/**
 * The dashboard's views. Each reads the JSON routes it needs and returns the nodes to show; the
 * charts are kept between refreshes (by key) so a refresh only swaps their data.
 * @module
 */
import { historyKey, readJson } from './dashboard-api.js';
import { PALETTE } from './dashboard-charts.js';
import { el, formatLabels, formatMs, formatNumber, formatPercent, formatTime, notice, table } from './dashboard-dom.js';

/** @typedef {import('./dashboard-charts.js').TimeChart} TimeChart */
/** @typedef {import('./dashboard-api.js').FedscopeSnapshot} FedscopeSnapshot */
/** @typedef {import('./dashboard-api.js').BottleneckSnapshot} BottleneckSnapshot */
/** @typedef {import('./dashboard-api.js').HealthSnapshot} HealthSnapshot */
/** @typedef {import('./dashboard-api.js').AlertsSnapshot} AlertsSnapshot */
/** @typedef {import('./dashboard-api.js').HistoryReport} HistoryReport */
/** @typedef {import('./dashboard-api.js').SourceStatesReport} SourceStatesReport */
/** @typedef {import('./dashboard-api.js').SlowTracesReport} SlowTracesReport */
/** @typedef {import('../../../processors/analysis/snapshot-types.js').SeriesSnapshot} SeriesSnapshot */
/** @typedef {import('../../../processors/analysis/snapshot-types.js').StatementSeriesSnapshot} StatementSeriesSnapshot */
/** @typedef {import('../../../processors/health/types.js').HealthScore} HealthScore */
/** @typedef {import('../../../processors/trace-analysis/types.js').Suggestion} Suggestion */
/** @typedef {import('../../../processors/trace-analysis/types.js').BottleneckEntry} BottleneckEntry */
/** @typedef {import('../../../processors/trace-analysis/types.js').EvidenceValue} EvidenceValue */

/**
 * What a view is rendered for.
 * @typedef {object} ViewContext
 * @property {number} windowSeconds - the window selector's value
 * @property {string} service - the service selector's value; `''` for all services
 * @property {Set<string> | undefined} historySeries - the series the history holds (series.json), undefined when unknown
 * @property {(key: string, title: string, lines: import('./dashboard-charts.js').LineSpec[]) => TimeChart} chart - a chart kept across refreshes
 * @property {(series: string) => Promise<import('./dashboard-api.js').ReadResult<HistoryReport>>} history - one series over the window, read once per refresh
 */

/**
 * A view: its hash, its tab label and how it renders.
 * @typedef {{ id: string, title: string, render: (context: ViewContext) => Promise<Node[]> }} View
 */

/** @type {import('./dashboard-charts.js').LineSpec[]} */
const LATENCY_LINES = [
  { label: 'p50', color: PALETTE[3] ?? '', unit: 'ms' },
  { label: 'p95', color: PALETTE[1] ?? '', unit: 'ms' },
  { label: 'p99', color: PALETTE[2] ?? '', unit: 'ms' },
];
/** @type {import('./dashboard-charts.js').LineSpec[]} */
const RATE_LINES = [
  { label: 'per second', color: PALETTE[0] ?? '', unit: 'rate' },
  { label: 'error rate', color: PALETTE[2] ?? '', unit: 'percent', dash: [6, 4] },
];

/**
 * Whether a series' labels belong to the selected service.
 * @param {Readonly<Record<string, string>>} labels
 * @param {string} service
 */
function inService(labels, service) {
  return service === '' || labels['service'] === service;
}

/**
 * The shortest window's figures of a series.
 * @param {SeriesSnapshot} series
 */
function shortest(series) {
  return series.windows[0] ?? series.sinceStart;
}

/**
 * Fills a chart from one history series, or leaves it empty with a note when the history has none yet.
 * @param {ViewContext} context
 * @param {TimeChart} chart
 * @param {string} series - the history key
 * @param {(report: HistoryReport) => (number | null)[][]} pick - the lines' values
 * @returns {Promise<HistoryReport | undefined>}
 */
async function fillFromHistory(context, chart, series, pick) {
  if (context.historySeries !== undefined && !context.historySeries.has(series)) {
    chart.setData([], []);
    return undefined;
  }
  const result = await context.history(series);
  if (!result.ok) {
    chart.setData([], []);
    return undefined;
  }
  chart.setData(result.data.t, pick(result.data));
  return result.data;
}

/**
 * A figure tile.
 * @param {string} label
 * @param {string} value
 * @param {string} [testId]
 */
function tile(label, value, testId) {
  return el('div', { class: 'tile', 'data-tile': testId }, el('div', { class: 'value' }, value), el('div', { class: 'label' }, label));
}

/**
 * A state word with its colour class.
 * @param {string} state
 */
function stateText(state) {
  return el('span', { class: `state-${state}` }, state);
}

/**
 * A proportion bar (0–1).
 * @param {number} share
 */
function bar(share) {
  const width = Math.round(Math.max(0, Math.min(1, share)) * 100);
  const track = el('div', { class: 'bar-track', role: 'img', 'aria-label': formatPercent(share) }, el('div', { class: 'bar' }));
  const fill = /** @type {HTMLElement} */ (track.firstChild);
  fill.style.width = `${width}%`;
  return el('span', {}, track, ' ', formatPercent(share));
}

/**
 * An evidence value as text.
 * @param {EvidenceValue} value
 * @returns {string}
 */
function evidenceText(value) {
  if (value === null) return '–';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(3);
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * Active alerts as a table.
 * @param {AlertsSnapshot['active']} active
 */
function alertTable(active) {
  return table(
    ['State', 'Alert', 'Severity', 'Labels', 'Value#', 'Since', 'Summary'],
    active.map((a) => [
      stateText(a.state),
      a.labels['alertname'] ?? '',
      a.labels['severity'] ?? '',
      el('span', { class: 'mono' }, formatLabels(a.labels, ['alertname', 'severity'])),
      formatNumber(a.value, 3),
      formatTime(a.firedAt ?? a.activeAt),
      a.annotations['summary'] ?? a.annotations['description'] ?? '',
    ]),
  );
}

/** @type {View} */
const overview = {
  id: 'overview',
  title: 'Overview',
  async render(context) {
    const [snapshot, health, alerts] = await Promise.all([readJson('snapshot.json'), readJson('health.json'), readJson('alerts.json')]);
    const nodes = [];
    const tiles = el('div', { class: 'tiles' });
    // With a service selected, its own total: all of its queries together (the history's `service:<name>`).
    const selected = context.service;
    const series = selected === '' ? 'overall' : historyKey('service', [selected]);
    nodes.push(tiles);
    if (snapshot.ok) {
      const data = /** @type {FedscopeSnapshot} */ (snapshot.data);
      const total = selected === '' ? data.overall : data.services.find((s) => s.labels['service'] === selected);
      if (total === undefined) nodes.push(notice(`${selected} has no federated query in the statistics now.`));
      else {
        const now = shortest(total);
        tiles.append(
          tile(`queries/s (${now.windowSeconds} s)`, formatNumber(now.throughputPerSecond), 'qps'),
          tile('p95', formatMs(now.p95), 'p95'),
          tile('p99', formatMs(now.p99), 'p99'),
          tile('error rate', formatPercent(now.errorRate), 'error-rate'),
        );
      }
    }
    const everyService = selected === '' ? '' : ' (all services)';
    if (health.ok)
      tiles.append(
        tile(`health score${everyService}`, formatNumber(/** @type {HealthSnapshot} */ (health.data).overall.score, 1), 'health'),
      );
    const throughput = context.chart('overview:throughput', 'Queries per second', [
      { label: 'queries/s', color: PALETTE[0] ?? '', unit: 'rate' },
    ]);
    const latency = context.chart('overview:latency', 'Latency', LATENCY_LINES);
    const errors = context.chart('overview:errors', 'Error rate', [{ label: 'errors', color: PALETTE[2] ?? '', unit: 'percent' }]);
    const score = context.chart('overview:health', `Health score${everyService}`, [
      { label: 'score', color: PALETTE[3] ?? '', unit: 'score' },
    ]);
    nodes.push(el('div', { class: 'grid' }, throughput.element, latency.element, errors.element, score.element));
    await fillFromHistory(context, throughput, series, (r) => [r.throughputPerSecond]);
    await fillFromHistory(context, latency, series, (r) => [r.p50Ms, r.p95Ms, r.p99Ms]);
    await fillFromHistory(context, errors, series, (r) => [r.errorRatio]);
    // The health score is of all services together (the history keeps it on the overall series).
    await fillFromHistory(context, score, 'overall', (r) => [r.healthScore ?? []]);
    nodes.push(el('h2', {}, 'Active alerts'));
    if (!alerts.ok) nodes.push(notice(alerts.message));
    else if (alerts.data === null) nodes.push(notice('Alerts are off on this server.'));
    else {
      const active = /** @type {AlertsSnapshot} */ (alerts.data).active;
      nodes.push(
        active.length === 0
          ? notice('No alert is pending or firing.')
          : el('div', { class: 'card', id: 'overview-alerts' }, alertTable(active)),
      );
    }
    return nodes;
  },
};

/**
 * The bottleneck rows of one kind.
 * @param {BottleneckEntry[]} entries
 */
function shareRows(entries) {
  return entries.map((e) => [
    e.name,
    bar(e.meanShare),
    formatPercent(e.bottleneckRatio),
    formatMs(e.meanCriticalMs),
    formatNumber(e.traces),
  ]);
}

/**
 * Ranked suggestions with their evidence.
 * @param {Suggestion[]} suggestions
 */
function suggestionList(suggestions) {
  return el(
    'ol',
    { class: 'suggestions' },
    suggestions.map((s) =>
      el(
        'li',
        {},
        el('strong', {}, `${s.kind} · ${s.subject}`),
        ` — saves about ${formatMs(s.estimatedSavingMs)} per execution`,
        el('div', {}, s.message),
        el(
          'dl',
          { class: 'evidence' },
          Object.entries(s.evidence).flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, evidenceText(v))]),
        ),
      ),
    ),
  );
}

/** Most queries or sources (by calls) a view draws charts for. */
const MAX_CHARTED = 12;

/**
 * The series of the selected service that have `label` (a query, a source), busiest first.
 * @template {SeriesSnapshot} S
 * @param {S[]} list
 * @param {ViewContext} context
 * @param {string} label
 */
function busiest(list, context, label) {
  return list
    .filter((s) => inService(s.labels, context.service) && s.labels[label] !== undefined)
    .sort((a, b) => b.sinceStart.count - a.sinceStart.count);
}

/**
 * What a query's or source's card starts from: its names, its figures now, and its
 * rate-and-errors and latency charts filled from the history.
 * @param {ViewContext} context
 * @param {SeriesSnapshot} series
 * @param {'query' | 'source'} kind - also the label naming it
 * @param {string} rateTitle
 */
async function seriesCard(context, series, kind, rateTitle) {
  const service = series.labels['service'] ?? '';
  const name = series.labels[kind] ?? '';
  const key = `${service}/${name}`;
  return { service, name, key, now: shortest(series), charts: await redCharts(context, historyKey(kind, [service, name]), rateTitle) };
}

/**
 * The rate-and-errors and latency charts of one history series, filled.
 * @param {ViewContext} context
 * @param {string} series - the history key, e.g. `query:shop/orders`
 * @param {string} rateTitle
 */
async function redCharts(context, series, rateTitle) {
  const red = context.chart(`${series}:rate`, rateTitle, RATE_LINES);
  const latency = context.chart(`${series}:latency`, 'Latency', LATENCY_LINES);
  await fillFromHistory(context, red, series, (r) => [r.throughputPerSecond, r.errorRatio]);
  await fillFromHistory(context, latency, series, (r) => [r.p50Ms, r.p95Ms, r.p99Ms]);
  return el('div', { class: 'grid' }, red.element, latency.element);
}

/**
 * The heading of a query's or source's card: `service / name`.
 * @param {string} service
 * @param {string} name
 * @param {'h2' | 'h3'} [level]
 */
function seriesHeading(service, name, level = 'h2') {
  return el(level, {}, el('span', { class: 'muted' }, `${service} / `), name);
}

/**
 * A query's or source's card: its heading, the calls/s and p95 tiles then `tiles`, then `children`.
 * @param {'query' | 'source'} kind
 * @param {{ service: string, name: string, key: string, now: ReturnType<typeof shortest> }} series
 * @param {HTMLElement[]} tiles
 * @param {...(import('./dashboard-dom.js').Child | import('./dashboard-dom.js').Child[])} children
 */
function seriesSection(kind, series, tiles, ...children) {
  const { service, name, key, now } = series;
  return el(
    'section',
    { class: `card ${kind}`, [`data-${kind}`]: key, 'aria-label': `${kind} ${key}` },
    seriesHeading(service, name),
    el(
      'div',
      { class: 'tiles' },
      tile(`calls/s (${now.windowSeconds} s)`, formatNumber(now.throughputPerSecond)),
      tile('p95', formatMs(now.p95)),
      ...tiles,
    ),
    ...children,
  );
}

/** @type {View} */
const queries = {
  id: 'queries',
  title: 'Queries',
  async render(context) {
    const [snapshot, bottlenecks] = await Promise.all([readJson('snapshot.json'), readJson('bottlenecks.json')]);
    if (!snapshot.ok) return [notice(snapshot.message)];
    const data = /** @type {FedscopeSnapshot} */ (snapshot.data);
    const report = bottlenecks.ok ? /** @type {BottleneckSnapshot} */ (bottlenecks.data) : undefined;
    const list = busiest(data.queries, context, 'query');
    if (list.length === 0) return [notice('No federated query recorded yet.')];
    const nodes = [];
    for (const query of list.slice(0, MAX_CHARTED)) {
      const { service, name, key, now, charts } = await seriesCard(context, query, 'query', 'Rate and errors');
      const stages = data.stages
        .filter((s) => s.labels['service'] === service && s.labels['query'] === name)
        .map((s) => {
          const w = shortest(s);
          return [s.labels['stage'] ?? '', formatNumber(w.count), formatMs(w.p50), formatMs(w.p95), formatNumber(w.errors)];
        });
      const bottleneck = report?.queries.find((q) => q.service === service && q.queryName === name);
      const window = bottleneck?.windows[0];
      nodes.push(
        seriesSection(
          'query',
          { service, name, key, now },
          [tile('error rate', formatPercent(now.errorRate)), tile('running now', formatNumber(query.concurrency.now))],
          charts,
          el('h3', {}, 'Stages'),
          stages.length > 0 ? table(['Stage', 'Calls#', 'p50#', 'p95#', 'Errors#'], stages) : notice('No stage spans.'),
          el('h3', {}, `Critical path (${window ? `${window.traces} traces, ${window.windowSeconds} s` : 'no traces yet'})`),
          window && window.stages.length > 0
            ? table(['Stage', 'Mean share', 'Bottleneck in#', 'Mean critical#', 'Traces#'], shareRows(window.stages))
            : null,
          window && window.sources.length > 0
            ? table(['Source', 'Mean share', 'Bottleneck in#', 'Mean critical#', 'Traces#'], shareRows(window.sources))
            : null,
          el('h3', {}, 'Suggestions'),
          bottleneck && bottleneck.suggestions.length > 0
            ? suggestionList(bottleneck.suggestions)
            : notice('No suggestion for this query.'),
        ),
      );
    }
    if (list.length > MAX_CHARTED) nodes.push(notice(`${list.length - MAX_CHARTED} more queries with fewer calls are not shown.`));
    return nodes;
  },
};

/** @type {View} */
const sources = {
  id: 'sources',
  title: 'Sources',
  async render(context) {
    const [snapshot, states] = await Promise.all([readJson('snapshot.json'), readJson('sources.json')]);
    if (!snapshot.ok) return [notice(snapshot.message)];
    const data = /** @type {FedscopeSnapshot} */ (snapshot.data);
    const report = states.ok ? /** @type {SourceStatesReport} */ (states.data) : undefined;
    const list = busiest(data.sources, context, 'source');
    const nodes = [];
    if (list.length === 0) nodes.push(notice('No source call recorded yet.'));
    for (const source of list.slice(0, MAX_CHARTED)) {
      const { service, name, key, now, charts } = await seriesCard(context, source, 'source', 'Calls and errors');
      const breaker = report?.breakers.find((b) => b.name === name);
      const pools = report?.pools.filter((p) => p.source === name) ?? [];
      nodes.push(
        seriesSection(
          'source',
          { service, name, key, now },
          [
            tile('errors', `${formatNumber(now.errors)} (${formatPercent(now.errorRate)})`),
            tile('breaker', breaker ? breaker.state : 'none'),
          ],
          charts,
          pools.length > 0
            ? table(
                ['Pool', 'Used#', 'Idle#', 'Pending#', 'Max#'],
                pools.map((p) => [p.pool, formatNumber(p.used), formatNumber(p.idle), formatNumber(p.pending), formatNumber(p.max)]),
                'Connection pool',
              )
            : null,
        ),
      );
    }
    nodes.push(el('h2', {}, 'Circuit breakers'));
    if (!report) nodes.push(notice(states.ok ? '' : states.message));
    else if (report.breakers.length === 0) nodes.push(notice('No circuit breaker is known in this process.'));
    else
      nodes.push(
        el(
          'div',
          { class: 'card', id: 'breakers' },
          table(
            ['Breaker', 'State'],
            report.breakers.map((b) => [b.name, stateText(b.state)]),
          ),
        ),
      );
    if (report && report.breakerTransitions.length > 0)
      nodes.push(
        el('h3', {}, 'Breaker transitions'),
        table(
          ['Time', 'Breaker', 'Entered'],
          [...report.breakerTransitions].reverse().map((t) => [formatTime(t.time), t.breaker, stateText(t.state)]),
        ),
      );
    if (report && report.pools.length > 0) {
      nodes.push(
        el('h2', {}, 'Connection pools'),
        table(
          ['Source', 'Pool', 'System', 'Used#', 'Idle#', 'Pending#', 'Max#'],
          report.pools.map((p) => [
            p.source,
            p.pool,
            p.system,
            formatNumber(p.used),
            formatNumber(p.idle),
            formatNumber(p.pending),
            formatNumber(p.max),
          ]),
        ),
      );
    }
    return nodes;
  },
};

/**
 * One table of statements.
 * @param {StatementSeriesSnapshot[]} list
 */
function statementTable(list) {
  return table(
    ['Service', 'Source', 'Fingerprint', 'Calls#', 'Total#', 'p95#', 'Errors#', 'Statement'],
    list.map((s) => {
      const w = shortest(s);
      const total = s.sinceStart.mean === null ? null : s.sinceStart.mean * s.sinceStart.count;
      return [
        s.labels['service'] ?? '',
        s.labels['source'] ?? '',
        el('code', {}, s.labels['fingerprint'] ?? s.labels['otel.metric.overflow'] ?? ''),
        formatNumber(s.sinceStart.count),
        formatMs(total),
        formatMs(w.p95),
        formatNumber(s.sinceStart.errors),
        el('code', { class: 'statement' }, s.statement ?? '(text not known)'),
      ];
    }),
  );
}

/** @type {View} */
const statements = {
  id: 'statements',
  title: 'Statements',
  async render(context) {
    const snapshot = await readJson('snapshot.json');
    if (!snapshot.ok) return [notice(snapshot.message)];
    const top = /** @type {FedscopeSnapshot} */ (snapshot.data).topStatements;
    /** @param {StatementSeriesSnapshot[]} list */
    const mine = (list) => list.filter((s) => inService(s.labels, context.service));
    return [
      el('h2', {}, 'Most total time (since start)'),
      statementTable(mine(top.mostTotalTime)),
      el('h2', {}, 'Slowest p95 (shortest window)'),
      statementTable(mine(top.slowestP95)),
      el('h2', {}, 'Most errors (since start)'),
      statementTable(mine(top.mostErrors)),
      el('p', { class: 'muted' }, 'Statement text is sanitised: literals are replaced by ? unless the service opted into raw text.'),
    ];
  },
};

/**
 * A score with its components and the reason for each deduction.
 * @param {HealthScore} score
 */
function scoreCard(score) {
  return el(
    'section',
    { class: 'card', 'aria-label': `health of ${score.scope} ${score.name}` },
    el('h3', {}, `${score.scope === 'overall' ? 'Overall' : `${formatLabels(score.labels)}`}: ${formatNumber(score.score, 1)}`),
    score.reasons.length > 0
      ? el(
          'ul',
          { class: 'reasons' },
          score.reasons.map((r) => el('li', {}, r)),
        )
      : el('p', { class: 'muted' }, 'Nothing deducted.'),
    table(
      ['Component', 'Value#', 'Objective#', 'Limit#', 'Weight#', 'Deducted#', 'Status'],
      score.components.map((c) => [
        c.name,
        formatNumber(c.value, 3),
        formatNumber(c.objective, 3),
        formatNumber(c.limit, 3),
        formatNumber(c.weight),
        formatNumber(c.deduction, 1),
        el('span', { class: `status-${c.status}` }, c.status),
      ]),
    ),
  );
}

/** @type {View} */
const health = {
  id: 'health',
  title: 'Health',
  async render(context) {
    const report = await readJson('health.json');
    const trend = context.chart('health:trend', 'Health score', [{ label: 'score', color: PALETTE[3] ?? '', unit: 'score' }]);
    await fillFromHistory(context, trend, 'overall', (r) => [r.healthScore ?? []]);
    if (!report.ok) return [trend.element, notice(report.message)];
    const data = /** @type {HealthSnapshot} */ (report.data);
    return [
      el('div', { class: 'grid' }, trend.element, scoreCard(data.overall)),
      el('h2', {}, 'Queries'),
      el('div', { class: 'grid' }, data.queries.filter((s) => inService(s.labels, context.service)).map(scoreCard)),
      el('h2', {}, 'Sources'),
      el('div', { class: 'grid' }, data.sources.filter((s) => inService(s.labels, context.service)).map(scoreCard)),
      el('p', { class: 'muted' }, `Latency, error and cache figures over the last ${data.windowSeconds} s.`),
    ];
  },
};

/** @type {View} */
const alertsView = {
  id: 'alerts',
  title: 'Alerts',
  async render(context) {
    const report = await readJson('alerts.json');
    if (!report.ok) return [notice(report.message)];
    if (report.data === null) return [notice('Alerts are off on this server.')];
    const data = /** @type {AlertsSnapshot} */ (report.data);
    const active = data.active.filter((a) => inService(a.labels, context.service) || a.labels['service'] === undefined);
    const firing = active.filter((a) => a.state === 'firing');
    const pending = active.filter((a) => a.state === 'pending');
    return [
      el('h2', {}, `Firing (${firing.length})`),
      firing.length > 0 ? el('div', { class: 'card', id: 'alerts-firing' }, alertTable(firing)) : notice('Nothing is firing.'),
      el('h2', {}, `Pending (${pending.length})`),
      pending.length > 0 ? el('div', { class: 'card' }, alertTable(pending)) : notice('Nothing is pending.'),
      el('h2', {}, 'Recent transitions'),
      data.history.length > 0
        ? table(
            ['Time', 'Alert', 'From', 'To', 'Value#', 'Labels'],
            [...data.history]
              .reverse()
              .slice(0, 50)
              .map((t) => [
                formatTime(t.at),
                t.alertname,
                stateText(t.from),
                stateText(t.to),
                formatNumber(t.value, 3),
                el('span', { class: 'mono' }, formatLabels(t.labels, ['alertname'])),
              ]),
          )
        : notice('No transition yet.'),
      el('h2', {}, 'Rules'),
      table(
        ['Rule', 'Kind', 'Severity', 'Health', 'Active#', 'Last error'],
        data.rules.map((r) => [r.alert, r.kind, r.severity, r.health, formatNumber(r.active), r.lastError ?? '']),
      ),
    ];
  },
};

/** The slow-trace windows the server keeps, in seconds. */
const SLOW_TRACE_WINDOWS = [60, 300, 900];

/** @type {View} */
const slow = {
  id: 'slow',
  title: 'Slow traces',
  async render(context) {
    const window = SLOW_TRACE_WINDOWS.find((w) => w >= context.windowSeconds) ?? 900;
    const report = await readJson('slow-traces.json', { window, service: context.service || undefined });
    if (!report.ok)
      return [notice(report.missing ? 'This server does not keep slow-trace exemplars (no /fedscope/slow-traces.json).' : report.message)];
    const data = /** @type {SlowTracesReport} */ (report.data);
    /** @type {HTMLElement[]} */
    const nodes = [
      el(
        'p',
        { class: 'muted' },
        `The slowest traces per query over the last ${data.windowSeconds} s.`,
        data.jaegerUiUrl ? '' : ' Set FEDSCOPE_JAEGER_UI_URL to link them to Jaeger.',
      ),
    ];
    if (data.queries.length === 0) nodes.push(notice('No trace kept in this window yet.'));
    for (const query of data.queries)
      nodes.push(
        el(
          'section',
          { class: 'card', 'aria-label': `slow traces of ${query.service}/${query.query}` },
          seriesHeading(query.service, query.query, 'h3'),
          table(
            ['Trace', 'Duration#', 'Started', 'Outcome'],
            query.traces.map((t) => [
              t.jaegerUrl
                ? el(
                    'a',
                    {
                      href: t.jaegerUrl,
                      target: '_blank',
                      rel: 'noopener noreferrer',
                      class: 'mono',
                      'data-focus-key': `trace:${t.traceId}`,
                    },
                    t.traceId,
                  )
                : el('code', {}, t.traceId),
              formatMs(t.durationMs),
              formatTime(t.startTime),
              t.error ? el('span', { class: 'state-firing' }, 'error') : 'ok',
            ]),
          ),
        ),
      );
    return nodes;
  },
};

/** Every view, in tab order. */
export const VIEWS = [overview, queries, sources, statements, health, alertsView, slow];
