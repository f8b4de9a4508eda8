/**
 * `npm run bench [-- id …]`: runs the benchmark entries and prints one table each, headed by the
 * machine they ran on. Every figure is reported beside a baseline measured in the same run. Entries
 * import the built package (`dist/`, which `npm run bench` builds first): tsx's transform of the
 * sources adds helpers of its own to hot functions, and users run the build.
 */
import { cpus, totalmem } from 'node:os';
import type { BenchEntry, BenchTable } from './types.js';

const ENTRY_MODULES: Record<string, () => Promise<{ default: BenchEntry }>> = {
  adapter: () => import('./adapter-call.bench.js'),
  sql: () => import('./sql-fingerprint.bench.js'),
  percentiles: () => import('./percentiles.bench.js'),
  derive: () => import('./derive-processor.bench.js'),
  sources: () => import('./sources.bench.js'),
  heap: () => import('./analysis-heap.bench.js'),
  federation: () => import('./federation.bench.js'),
  anomaly: () => import('./anomaly.bench.js'),
  'critical-path': () => import('./trace-analysis.bench.js'),
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
const cpu = cpus();
console.log(
  `# fedscope benchmarks\n\nmachine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString()}\n`,
);
for (const [id, load] of Object.entries(ENTRY_MODULES)) {
  if (wanted.length > 0 && !wanted.includes(id)) continue;
  const entry = (await load()).default;
  for (const table of await entry.run()) console.log(`${formatTable(table)}\n`);
}
