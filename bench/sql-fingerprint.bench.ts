/**
 * `npm run bench -- sql`: cost of fedscope's SQL text handling on one realistic statement —
 * sanitising, fingerprinting and summarising it uncached, against the cached analyzer that the
 * instrumentations use (a repeated statement costs one map lookup).
 */
import { fingerprintSql, sanitizeSql, StatementAnalyzer, summarizeSql } from '../dist/src/sql/index.js';
import { alternateSync, figureOf, formatSpread, pairedRatios } from './measure.js';
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
const ROUNDS = 10;

/**
 * Texts of {@link SQL} with one literal changed, built by a template as an application builds them
 * (V8 then holds them as unflattened concatenations): each is given to the analyzer once, as at
 * high cardinality, where nearly every span brings a text the analyzer has not seen.
 */
function distinctTexts(count: number): string[] {
  const [before, after] = SQL.split('100.5') as [string, string];
  return Array.from({ length: count }, (_, k) => `${before}${k}.5${after}`);
}

let sink = 0;

const entry: BenchEntry = {
  id: 'sql',
  async run() {
    const lookup = new Map([[SQL, 1]]);
    const noCache = new StatementAnalyzer({ maxEntries: 0 });
    const cache = new StatementAnalyzer();
    const unseen = new StatementAnalyzer();
    // One text per call of every round, the warm-up included: none is met twice.
    const texts = distinctTexts(UNCACHED_ITERATIONS * (ROUNDS + 1));
    let next = 0;
    const variants = {
      'baseline: Map.get(text)': {
        operation: () => void (sink += lookup.get(SQL) ?? 0),
        iterations: CACHED_ITERATIONS,
      },
      'sanitizeSql (uncached)': {
        operation: () => void (sink += sanitizeSql(SQL, { dialect: 'postgresql' }).length),
        iterations: UNCACHED_ITERATIONS,
      },
      'fingerprintSql (uncached: normalise + FNV-1a 64)': {
        operation: () => void (sink += fingerprintSql(SQL, { dialect: 'postgresql' }).length),
        iterations: UNCACHED_ITERATIONS,
      },
      'summarizeSql (uncached)': {
        operation: () => void (sink += summarizeSql(SQL, { dialect: 'postgresql' }).statementCount),
        iterations: UNCACHED_ITERATIONS,
      },
      'StatementAnalyzer.analyze, cache disabled (all of the above, one lexer pass)': {
        operation: () => void (sink += noCache.analyze(SQL, 'postgresql').fingerprint.length),
        iterations: UNCACHED_ITERATIONS,
      },
      'StatementAnalyzer.fingerprint, a text never seen (what a span pays at high cardinality)': {
        operation: () => void (sink += unseen.fingerprint(texts[next++]!, 'postgresql').length),
        iterations: UNCACHED_ITERATIONS,
      },
      'StatementAnalyzer.analyze, cached (repeated statement)': {
        operation: () => void (sink += cache.analyze(SQL, 'postgresql').fingerprint.length),
        iterations: CACHED_ITERATIONS,
      },
    };
    type Variant = keyof typeof variants;
    const rounds = await alternateSync(variants, { rounds: ROUNDS });
    if (sink === 42) console.log(''); // keep the results alive

    const row = (name: Variant) => [
      name,
      formatSpread(figureOf(rounds, name, 'ns')),
      formatSpread(figureOf(rounds, name, 'ns', (ns) => 1e9 / ns)),
      formatSpread(pairedRatios(rounds, name, 'baseline: Map.get(text)', 'ns')),
      formatSpread(pairedRatios(rounds, name, 'StatementAnalyzer.analyze, cached (repeated statement)', 'ns')),
    ];
    const stats = cache.stats();
    return [
      {
        title: `SQL text handling per call (${SQL.length}-character statement, PostgreSQL dialect)`,
        columns: ['operation', 'ns/call', 'calls/s', '× Map.get', '× cached analyze'],
        rows: (Object.keys(variants) as Variant[]).map(row),
        notes: [
          `Each cell: median (min–max) over ${ROUNDS} rounds after a warm-up round, the operations alternating round by round (order flipped each round), ratios taken within each round; ${UNCACHED_ITERATIONS} calls per round uncached, ${CACHED_ITERATIONS} cached. Cache after the run: ${stats.hits} hits, ${stats.misses} miss, ${stats.entries} entry.`,
          'Goal: a repeated statement costs about one map lookup (cached row within a small multiple of the Map.get baseline); an unseen statement costs tens of microseconds at most.',
        ],
      },
    ];
  },
};

export default entry;
