import type { SoakSummary } from './soak-summary.js';

const ms = (value: number | null): string => (value === null ? '-' : value < 10 ? value.toFixed(2) : value.toFixed(1));

function table(columns: string[], rows: string[][]): string[] {
  const cells = [columns, ...rows];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]): string => `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(columns), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
}

/** The short human summary printed after the JSON: the verdicts, the load and latency, the faults. */
export function renderSoakReport(summary: SoakSummary): string {
  const { load, latencyMs, machine } = summary;
  const lines = [
    `## fedscope soak: ${summary.passed ? 'PASSED' : 'FAILED'}`,
    '',
    `${summary.command} — ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, load average ${machine.loadAverage.join(' / ')} at the end`,
    '',
    ...table(
      ['check', 'result', 'figures'],
      summary.checks.map((c) => [c.name, c.pass ? 'pass' : 'FAIL', c.detail]),
    ),
    '',
    ...table(
      ['queries/s (target)', 'finished', 'failed', 'shed', 'p50 ms', 'p95 ms', 'p99 ms', 'p99.9 ms', 'max ms'],
      [
        [
          `${load.achievedRate} (${load.targetRate})`,
          String(load.succeeded + load.failed),
          String(load.failed),
          String(load.shed),
          ms(latencyMs?.all.p50 ?? null),
          ms(latencyMs?.all.p95 ?? null),
          ms(latencyMs?.all.p99 ?? null),
          ms(latencyMs?.all.p999 ?? null),
          ms(latencyMs?.all.max ?? null),
        ],
      ],
    ),
    '',
    `Latency from each query's scheduled arrival, every finished query (failed ones included), within ${((latencyMs?.all.relativeAccuracy ?? 0) * 100).toFixed(1)}%.`,
    `CPU: the service ${summary.service.cpuPercent ?? '-'}% of one core (event loop p99 delay up to ${Math.max(0, ...summary.memory.samples.map((s) => s.eventLoopDelayP99Ms))} ms), the soak's own process ${summary.harnessCpuPercent}%.`,
    `Failures: ${
      Object.entries(load.failuresByKind)
        .map(([kind, n]) => `${kind} ${n}`)
        .join(', ') || 'none'
    }.`,
    '',
    ...table(
      ['fault', 'planned s', 'actual s', 'note'],
      summary.faults.map((f) => [
        f.kind,
        `${f.plannedStartS}–${f.plannedEndS}`,
        f.startS === null ? '-' : `${f.startS}–${f.endS ?? '?'}`,
        f.note,
      ]),
    ),
  ];
  if (summary.problems.length > 0) lines.push('', 'problems:', ...summary.problems.map((p) => `- ${p}`));
  if (summary.logDir !== null) lines.push('', `logs kept in ${summary.logDir}`);
  return lines.join('\n');
}
