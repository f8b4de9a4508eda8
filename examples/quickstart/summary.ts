import type { AlertsSnapshot, FederationStatus, FedscopeSnapshot, SeriesSnapshot, WindowSummary } from 'fedscope';
import type { CrmFaultCounts } from './crm-service.js';
import type { PacedLoadCounts } from './paced-load.js';

/** What the summary shows besides fedscope's snapshot. */
export interface SummaryExtras {
  /** The federation's status: sources, breakers, cache. */
  status: FederationStatus;
  /** The alert engine's state, or null when alerts are off. */
  alerts: AlertsSnapshot | null;
  /** The load generator's counts. */
  load: PacedLoadCounts;
  /** Target arrivals per second. */
  ratePerSecond: number;
  /** What the CRM injected. */
  crmFaults: CrmFaultCounts;
}

const percent = (ratio: number | null | undefined): string =>
  ratio === null || ratio === undefined ? '-' : `${(ratio * 100).toFixed(1)}%`;

function healthLines(extras: SummaryExtras, cacheHitRatio: number | null | undefined): string[] {
  const { status, alerts, load, crmFaults } = extras;
  const crm = status.sources.find((s) => s.name === 'crm');
  const breaker = crm?.breaker;
  const active = alerts?.active ?? [];
  const firing = active.filter((a) => a.state === 'firing').map((a) => a.labels['alertname']);
  const pending = active.filter((a) => a.state === 'pending').map((a) => a.labels['alertname']);
  return [
    `load: ${extras.ratePerSecond} queries/s target, ${load.started} started, ${load.failed} failed, ${load.shed} shed   cache hit ratio ${percent(cacheHitRatio)}`,
    `crm faults: ${crmFaults.errors503} × 503 of ${crmFaults.requests} requests, ${crmFaults.slowSpells} slow spells, ${crmFaults.blips} blips, ${crmFaults.outages} outages   breaker ${breaker?.state ?? '-'} (${breaker?.transitions ?? 0} transitions)`,
    alerts === null
      ? 'alerts: off'
      : `alerts firing: ${firing.length > 0 ? firing.join(', ') : 'none'}   pending: ${pending.length > 0 ? pending.join(', ') : 'none'}`,
  ];
}

const ms = (value: number | null): string => (value === null ? '-' : value < 10 ? value.toFixed(2) : value.toFixed(1));

function row(label: string, figures: WindowSummary | undefined): string {
  if (!figures) return `  ${label.padEnd(34)} (no data)`;
  const errors = figures.errorRate === null ? '-' : `${(figures.errorRate * 100).toFixed(1)}%`;
  return `  ${label.padEnd(34)} ${figures.throughputPerSecond.toFixed(1).padStart(8)} ${ms(figures.p50).padStart(8)} ${ms(figures.p95).padStart(8)} ${ms(figures.p99).padStart(8)} ${errors.padStart(7)}`;
}

function section(title: string, series: SeriesSnapshot[], labelOf: (s: SeriesSnapshot) => string): string[] {
  const lines = [
    `${title.padEnd(36)} ${'per s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)}`,
  ];
  for (const s of [...series].sort((a, b) => labelOf(a).localeCompare(labelOf(b)))) lines.push(row(labelOf(s), s.windows[0]));
  return lines;
}

/** Renders the live one-screen summary of the quickstart from a fedscope snapshot (shortest window). */
export function renderSummary(snapshot: FedscopeSnapshot, metricsUrl: string | undefined, extras: SummaryExtras): string {
  const overall = snapshot.overall.windows[0];
  const window = snapshot.windowsSeconds[0] ?? 60;
  const lines = [
    `fedscope quickstart — last ${window} s — ${snapshot.generatedAt}`,
    `queries/s ${overall?.throughputPerSecond.toFixed(1) ?? '-'}   p95 ${ms(overall?.p95 ?? null)} ms   errors ${overall?.errors ?? 0}   running ${snapshot.overall.concurrency.now} (peak ${snapshot.overall.concurrency.peak})`,
    ...healthLines(extras, overall?.cacheHitRatio),
    '',
    ...section('queries', snapshot.queries, (s) => s.labels['query'] ?? '?'),
    '',
    ...section('stages', snapshot.stages, (s) => `${s.labels['query'] ?? '?'} / ${s.labels['stage'] ?? '?'}`),
    '',
    ...section('sources', snapshot.sources, (s) => s.labels['source'] ?? '?'),
    '',
    metricsUrl
      ? `dashboard: ${metricsUrl}/fedscope/   metrics: ${metricsUrl}/metrics   snapshot: ${metricsUrl}/fedscope/snapshot.json   Ctrl-C to stop`
      : 'Ctrl-C to stop',
  ];
  return lines.join('\n');
}
