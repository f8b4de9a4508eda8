/**
 * `npm run bench [-- id …]`: runs the benchmark entries and prints one table each, headed by the
 * machine they ran on. Every figure is reported beside a baseline measured in the same run. Entries
 * import the built package (`dist/`, which `npm run bench` builds first): tsx's transform of the
 * sources adds helpers of its own to hot functions, and users run the build.
 *
 * Each entry runs in a process of its own: an entry run after others inherits their heap and
 * their JIT's type feedback, which moved the source benchmark's ratio by 10% when it shared one.
 */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import type { BenchEntry, BenchTable } from './types.js';

const ENTRY_MODULES: Record<string, () => Promise<{ default: BenchEntry }>> = {
  adapter: () => import('./adapter-call.bench.js'),
  sql: () => import('./sql-fingerprint.bench.js'),
  percentiles: () => import('./percentiles.bench.js'),
  derive: () => import('./derive-processor.bench.js'),
  'span-cost': () => import('./span-cost.bench.js'),
  sources: () => import('./sources.bench.js'),
  heap: () => import('./analysis-heap.bench.js'),
  federation: () => import('./federation.bench.js'),
  anomaly: () => import('./anomaly.bench.js'),
  'critical-path': () => import('./trace-analysis.bench.js'),
  collector: () => import('./collector.bench.js'),
  'history-save': () => import('./history-save.bench.js'),
  dashboard: () => import('./dashboard-watch.bench.js'),
};

function formatTable(table: BenchTable): string {
  const cells = [table.columns, ...table.rows.map((row) => row.map(String))];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const out = [`## ${table.title}`, '', line(table.columns), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`];
  for (const row of cells.slice(1)) out.push(line(row));
  for (const note of table.notes ?? []) out.push('', note);
  return out.join('\n');
}

const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const unknown = wanted.filter((id) => !(id in ENTRY_MODULES));
if (unknown.length > 0) {
  console.error(`unknown bench id(s): ${unknown.join(', ')}; known: ${Object.keys(ENTRY_MODULES).join(', ')}`);
  process.exit(2);
}
/** Set in the process that runs one entry for the parent. */
const CHILD_ENV = 'FEDSCOPE_BENCH_ENTRY';
const childEntry = process.env[CHILD_ENV];

if (childEntry !== undefined) {
  const load = ENTRY_MODULES[childEntry];
  if (load === undefined) throw new Error(`unknown bench entry ${childEntry}`);
  for (const table of await (await load()).default.run()) console.log(`${formatTable(table)}\n`);
} else {
  const cpu = cpus();
  console.log(
    `# fedscope benchmarks\n\nmachine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString()}\n`,
  );
  let failed = 0;
  for (const id of Object.keys(ENTRY_MODULES)) {
    if (wanted.length > 0 && !wanted.includes(id)) continue;
    // The same Node flags (tsx's loader, --expose-gc from NODE_OPTIONS) and this script, for one entry.
    const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!], {
      stdio: 'inherit',
      env: { ...process.env, [CHILD_ENV]: id },
    });
    if (child.status !== 0) {
      failed++;
      console.error(`bench entry ${id} failed (exit ${child.status ?? child.signal})`);
    }
  }
  if (failed > 0) process.exit(1);
}
