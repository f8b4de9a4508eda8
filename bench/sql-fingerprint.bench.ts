/**
 * `npm run bench -- sql`: cost of fedscope's SQL text handling on one realistic statement —
 * sanitising, fingerprinting and summarising it uncached, against the cached analyzer that the
 * instrumentations use (a repeated statement costs one map lookup).
 */
import { fingerprintSql, sanitizeSql, StatementAnalyzer, summarizeSql } from '../dist/src/sql/index.js';
import { round, timeSync } from './measure.js';
import type { BenchEntry } from './types.js';

/** A realistic statement: joins, literals of several kinds, an IN list, a comment. */
const SQL = `/* service=checkout route=/orders */
SELECT o.id, o.total, o.created_at, c.name, c.email
FROM orders o
JOIN customers c ON c.id = o.customer_id
LEFT JOIN payments p ON p.order_id = o.id AND p.status <> 'failed'
WHERE o.status IN ('open', 'paid', 'shipped') AND o.created_at > '2024-01-01' AND o.total > 100.5 AND c.region = $1
ORDER BY o.created_at DESC
LIMIT 50`;

const UNCACHED_ITERATIONS = 4_000;
const CACHED_ITERATIONS = 400_000;

let sink = 0;

const entry: BenchEntry = {
  id: 'sql',
  async run() {
    const lookup = new Map([[SQL, 1]]);
    const baseline = timeSync(() => {
      sink += lookup.get(SQL) ?? 0;
    }, CACHED_ITERATIONS);

    const sanitize = timeSync(() => {
      sink += sanitizeSql(SQL, { dialect: 'postgresql' }).length;
    }, UNCACHED_ITERATIONS);
    const fingerprint = timeSync(() => {
      sink += fingerprintSql(SQL, { dialect: 'postgresql' }).length;
    }, UNCACHED_ITERATIONS);
    const summary = timeSync(() => {
      sink += summarizeSql(SQL, { dialect: 'postgresql' }).statementCount;
    }, UNCACHED_ITERATIONS);
    const noCache = new StatementAnalyzer({ maxEntries: 0 });
    const analyzeUncached = timeSync(() => {
      sink += noCache.analyze(SQL, 'postgresql').fingerprint.length;
    }, UNCACHED_ITERATIONS);
    const cache = new StatementAnalyzer();
    const analyzeCached = timeSync(() => {
      sink += cache.analyze(SQL, 'postgresql').fingerprint.length;
    }, CACHED_ITERATIONS);
    if (sink === 42) console.log(''); // keep the results alive

    const row = (name: string, ns: number) => [
      name,
      round(ns),
      round(1e9 / ns),
      round(ns / baseline.nsPerOp, 3),
      round(ns / analyzeCached.nsPerOp, 3),
    ];
    const stats = cache.stats();
    return [
      {
        title: `SQL text handling per call (${SQL.length}-character statement, PostgreSQL dialect)`,
        columns: ['operation', 'ns/call', 'calls/s', '× Map.get', '× cached analyze'],
        rows: [
          row('baseline: Map.get(text)', baseline.nsPerOp),
          row('sanitizeSql (uncached)', sanitize.nsPerOp),
          row('fingerprintSql (uncached: normalise + FNV-1a 64)', fingerprint.nsPerOp),
          row('summarizeSql (uncached)', summary.nsPerOp),
          row('StatementAnalyzer.analyze, cache disabled (all of the above, one lexer pass)', analyzeUncached.nsPerOp),
          row('StatementAnalyzer.analyze, cached (repeated statement)', analyzeCached.nsPerOp),
        ],
        notes: [
          `Median of 7 rounds; ${UNCACHED_ITERATIONS} calls per round uncached, ${CACHED_ITERATIONS} cached. Cache after the run: ${stats.hits} hits, ${stats.misses} miss, ${stats.entries} entry.`,
          'Goal: a repeated statement costs about one map lookup (cached row within a small multiple of the Map.get baseline); an unseen statement costs tens of microseconds at most.',
        ],
      },
    ];
  },
};

export default entry;
