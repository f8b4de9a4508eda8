import { AnalysisState } from '../dist/processors/analysis/analysis-state.js';
import type { ClassifiedSpan } from '../dist/processors/classified-span.js';
import { round } from './measure.js';
import type { BenchEntry } from './types.js';

const TOTAL = 1_000_000;
const DISTINCT = 100_000;
const CHECKPOINTS = [100_000, 250_000, 500_000, 750_000, 1_000_000];

function heapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

const entry: BenchEntry = {
  id: 'heap',
  async run() {
    const span: ClassifiedSpan = {
      role: 'source',
      durationMs: 0,
      endTimeMs: 0,
      error: false,
      errorType: undefined,
      queryName: 'q',
      stage: undefined,
      source: 'pg',
      system: 'postgresql',
      operationName: 'SELECT',
      namespace: 'shop',
      serverAddress: undefined,
      serverPort: undefined,
      queryText: undefined,
      fingerprint: undefined,
      rowsReturned: 1,
      cacheHit: undefined,
      scopeName: 'bench',
    };
    const before = heapMiB();
    const state = new AnalysisState();
    const rows: Array<Array<string | number>> = [];
    let seed = 1;
    for (let i = 1; i <= TOTAL; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      span.fingerprint = `f${i % DISTINCT}`;
      span.durationMs = 1 + (seed % 1000) / 10;
      span.source = i % 10 === 0 ? 'duck' : 'pg';
      state.record(span);
      if (CHECKPOINTS.includes(i)) {
        const limits = state.limits().find((l) => l.name === 'statements');
        rows.push([i, round(heapMiB() - before), limits?.current ?? 0, limits?.evicted ?? 0]);
      }
    }
    const exposed = typeof (globalThis as { gc?: unknown }).gc === 'function';
    return [
      {
        title: `Heap growth of the analysis state: ${TOTAL.toLocaleString('en')} spans over ${DISTINCT.toLocaleString('en')} distinct statements`,
        columns: ['spans recorded', 'heap growth MiB', 'statements held', 'statements evicted'],
        rows,
        notes: [
          `Goal: ≤ 64 MB and flat after warm-up. Statement table bound 1,000 (default). ${exposed ? 'Measured after a forced GC.' : 'Run with NODE_OPTIONS=--expose-gc for post-GC figures (these include garbage).'}`,
        ],
      },
    ];
  },
};
export default entry;
