import type { Span } from '@opentelemetry/api';
import { federatedQuery, stage } from '../../instrumentations/federation-stage.js';
import type { QueryScope } from '../../instrumentations/query-scope.js';
import {
  ATTR_FEDERATION_ATTEMPTS,
  ATTR_FEDERATION_CACHE_COALESCED,
  ATTR_FEDERATION_CACHE_HIT,
  ATTR_FEDERATION_DEPENDS_ON,
  ATTR_FEDERATION_MERGE_KIND,
  ATTR_FEDERATION_PART,
  ATTR_FEDERATION_PART_COUNT,
  ATTR_FEDERATION_PARTS_MISSING,
  ATTR_FEDERATION_ROWS_RETURNED,
  ATTR_FEDERATION_SOURCE,
} from '../span-model/attributes.js';
import { BreakerMetrics } from './breaker-metrics.js';
import { concatRows, joinRows, orderedMergeRows } from './builtin-merges.js';
import { DuckDBMergeEngine, type MergeTable } from './duckdb-merge-engine.js';
import { REDACTED_MESSAGE, redactedMessageOf, redactErrorMessage } from '../span-model/redact.js';
import { FederationError } from './federation-error.js';
import { QueryPlanner, type PlannedPart } from './query-planner.js';
import { RecentErrors } from './recent-errors.js';
import { RegisteredSource, type AttemptTally } from './registered-source.js';
import { cacheKey, ResultCache, type CacheOutcome } from './result-cache.js';
import type {
  FederatedQueryResult,
  FederatedQuerySpec,
  FederationOptions,
  FederationStatus,
  InFlightQueryStatus,
  PartOutcome,
  PartResults,
  Row,
  SourceAdapter,
  SourceOptions,
  SourceRequest,
  SourceResult,
} from './types.js';

/** A part's reported column names and types, kept for its merge table. */
type ResultColumns = Pick<SourceResult, 'columns' | 'columnTypes'>;

interface RunningQuery {
  id: string;
  name: string;
  startedAt: number;
  pending: Set<string>;
}

/**
 * The federation runtime: registered sources, and federated queries over them — named parts,
 * each a sub-query to one source, run in dependency order (independent parts in parallel), then
 * merged. Every query is a trace of fedscope's span model: `federation.query {name}` with
 * `plan`, `dispatch`, `fetch` (per part), `cache` and `merge` stages; the source calls are the
 * driver instrumentations' CLIENT spans, named after the source through the source context.
 *
 * @example
 * const federation = new Federation();
 * federation.source('orders', new PostgresSource(pool)).source('crm', new HttpSource({ baseUrl }));
 * const { rows } = await federation.query({
 *   name: 'revenue_by_tier',
 *   parts: {
 *     orders: { source: 'orders', sql: 'SELECT customer_id, amount FROM orders WHERE region = $1', params: ['emea'] },
 *     customers: { source: 'crm', request: { path: '/customers', query: { region: 'emea' } } },
 *   },
 *   merge: { sql: 'SELECT tier, sum(amount) AS revenue FROM orders JOIN customers USING (customer_id) GROUP BY tier' },
 * });
 */
export class Federation {
  private readonly sources = new Map<string, RegisteredSource>();
  private readonly planner = new QueryPlanner((name) => this.sources.get(name)?.adapter);
  private readonly cache: ResultCache | undefined;
  private readonly merger: DuckDBMergeEngine;
  private readonly errors: RecentErrors;
  private readonly running = new Map<string, RunningQuery>();
  private readonly breakerMetrics: BreakerMetrics;
  private readonly now: () => number;
  private readonly maxRowsPerPart: number;
  private readonly maxRowsPerQuery: number;
  private readonly counts = { succeeded: 0, failed: 0, partial: 0 };
  private closed = false;

  /**
   * @param options - cache, row caps, merge memory, source defaults, clock, meter provider
   * @throws RangeError when `mergeMemoryLimit` is not a size DuckDB reads
   */
  constructor(private readonly options: FederationOptions = {}) {
    this.now = options.now ?? Date.now;
    this.cache = options.cache === false ? undefined : new ResultCache(options.cache ?? {}, this.now);
    this.errors = new RecentErrors(options.recentErrors ?? 50);
    this.maxRowsPerPart = options.maxRowsPerPart ?? 100_000;
    this.maxRowsPerQuery = options.maxRowsPerQuery ?? 1_000_000;
    this.merger = new DuckDBMergeEngine(options.mergeMemoryLimit);
    this.breakerMetrics = new BreakerMetrics(options.meterProvider, () => this.breakerStates(), this.now);
  }

  /**
   * Registers a source under `name`. Returns the federation, for chaining.
   * @throws FederationError `DUPLICATE_NAME` when the name is taken, `INVALID_QUERY` for a bad name
   */
  source(name: string, adapter: SourceAdapter, options: SourceOptions = {}): this {
    if (typeof name !== 'string' || name.trim() === '') throw new FederationError('INVALID_QUERY', 'a source needs a non-empty name');
    if (this.sources.has(name)) throw new FederationError('DUPLICATE_NAME', `source '${name}' is already registered`, { source: name });
    if (typeof adapter?.execute !== 'function')
      throw new FederationError('INVALID_QUERY', `source '${name}' needs an adapter with execute()`, { source: name });
    adapter.bind?.(name);
    const merged: SourceOptions = { ...this.options.sourceDefaults, ...options };
    this.sources.set(
      name,
      new RegisteredSource(name, adapter, merged, this.now, (breaker, state) => this.breakerMetrics.transition(breaker, state)),
    );
    return this;
  }

  /** Names of the registered sources. */
  sourceNames(): string[] {
    return [...this.sources.keys()];
  }

  /**
   * Runs a federated query.
   * @throws FederationError naming the part for bad input, and (under the `fail` policy) for a failed part
   */
  query(spec: FederatedQuerySpec): Promise<FederatedQueryResult> {
    if (this.closed) return Promise.reject(new FederationError('CLOSED', 'the federation is closed'));
    const name = typeof spec?.name === 'string' && spec.name.trim() !== '' ? spec.name : 'unnamed';
    return federatedQuery(name, (scope) => this.run(spec, scope));
  }

  /** Sources and their health, breakers, running queries, recent errors and cache figures; plain JSON. */
  status(): FederationStatus {
    const inFlightQueries: InFlightQueryStatus[] = [...this.running.values()].map((q) => ({
      id: q.id,
      name: q.name,
      startedAt: q.startedAt,
      pendingParts: [...q.pending],
    }));
    return {
      generatedAt: this.now(),
      sources: [...this.sources.values()].map((s) => s.status()),
      inFlightQueries,
      recentErrors: this.errors.list(),
      cache: this.cache?.status() ?? null,
      queries: { ...this.counts },
    };
  }

  /** Drops every cached result. */
  clearCache(): void {
    this.cache?.clear();
  }

  /** Refuses new queries, stops the breaker gauge and closes the merge database. Sources are the caller's to close. */
  async close(): Promise<void> {
    this.closed = true;
    this.breakerMetrics.stop();
    await this.merger.close();
  }

  private async run(spec: FederatedQuerySpec, scope: QueryScope): Promise<FederatedQueryResult> {
    const plan = stage('plan', (span) => {
      const planned = this.planner.plan(spec);
      span.setAttribute(ATTR_FEDERATION_PART_COUNT, planned.parts.length);
      return planned;
    });
    const policy = spec.onPartFailure ?? 'fail';
    const running: RunningQuery = {
      id: scope.id,
      name: scope.name,
      startedAt: this.now(),
      pending: new Set(plan.parts.map((p) => p.name)),
    };
    this.running.set(scope.id, running);
    const controller = new AbortController();
    const results: Record<string, Row[]> = {};
    const columns: Record<string, ResultColumns> = {};
    const outcomes: Record<string, PartOutcome> = {};
    const budget = { rows: 0 };
    let firstFailure: FederationError | undefined;
    try {
      await stage('dispatch', async () => {
        const done = new Map<string, Promise<void>>();
        for (const part of plan.parts) {
          const deps = part.dependsOn.map((d) => done.get(d)!);
          done.set(
            part.name,
            Promise.all(deps).then(async () => {
              const failedDep = part.dependsOn.find((d) => outcomes[d]?.status !== 'ok');
              if (failedDep !== undefined || controller.signal.aborted) {
                const error =
                  failedDep !== undefined
                    ? new FederationError('DEPENDENCY_FAILED', `part '${failedDep}' it depends on did not complete`, {
                        part: part.name,
                        source: part.spec.source,
                      })
                    : new FederationError('ABORTED', 'the query gave up before this part started', {
                        part: part.name,
                        source: part.spec.source,
                      });
                outcomes[part.name] = outcomeOf(part, 'skipped', 0, 0, false, 0, error);
                running.pending.delete(part.name);
                return;
              }
              const started = performance.now();
              const tally: AttemptTally = { attempts: 0 };
              const hit = { value: false };
              try {
                const result = await this.fetchPart(part, results, controller.signal, tally, hit, scope, budget);
                results[part.name] = result.rows;
                columns[part.name] = { columns: result.columns, columnTypes: result.columnTypes };
                outcomes[part.name] = outcomeOf(part, 'ok', result.rows.length, tally.attempts, hit.value, performance.now() - started);
              } catch (error) {
                const failure = asFederationError(error, part);
                outcomes[part.name] = outcomeOf(part, 'failed', 0, tally.attempts, hit.value, performance.now() - started, failure);
                this.noteError(scope.name, failure);
                if (policy === 'fail' && firstFailure === undefined) {
                  firstFailure = failure;
                  controller.abort(new FederationError('ABORTED', `abandoned because part '${part.name}' failed`, { part: part.name }));
                }
              } finally {
                running.pending.delete(part.name);
              }
            }),
          );
        }
        await Promise.all(done.values());
      });
      if (firstFailure !== undefined) throw firstFailure;
      const missingParts = plan.parts.filter((p) => outcomes[p.name]?.status !== 'ok').map((p) => p.name);
      const rows = await stage('merge', (span) => this.merge(spec, plan.parts, results, columns, missingParts, span));
      if (rows.length > this.maxRowsPerQuery) {
        throw new FederationError(
          'ROWS_EXCEEDED',
          `the merge returned ${rows.length} rows, more than maxRowsPerQuery (${this.maxRowsPerQuery})`,
          { part: 'merge' },
        );
      }
      scope.setRowsReturned(rows.length);
      const partial = missingParts.length > 0;
      if (partial) {
        this.counts.partial++;
        scope.span.setAttribute(ATTR_FEDERATION_PARTS_MISSING, missingParts);
      } else this.counts.succeeded++;
      return { queryId: scope.id, rows, partial, missingParts, parts: outcomes };
    } catch (error) {
      this.counts.failed++;
      if (error instanceof FederationError && (error.code === 'MERGE_FAILED' || error.code === 'ROWS_EXCEEDED') && error.part === 'merge')
        this.noteError(scope.name, error);
      throw error;
    } finally {
      this.running.delete(scope.id);
    }
  }

  private fetchPart(
    part: PlannedPart,
    results: PartResults,
    signal: AbortSignal,
    tally: AttemptTally,
    hit: { value: boolean },
    scope: QueryScope,
    budget: { rows: number },
  ): Promise<SourceResult> {
    const source = this.sources.get(part.spec.source)!;
    return stage(
      'fetch',
      async (span) => {
        span.setAttribute(ATTR_FEDERATION_SOURCE, source.name);
        scope.addSource(source.name);
        const request = requestOf(part, results);
        const load = (): Promise<SourceResult> => source.call(request, part.name, signal, tally);
        let result: SourceResult;
        if (this.cache !== undefined && source.cacheable && (part.spec.cache ?? isReadOnly(request))) {
          const cache = this.cache;
          const key = cacheKey(
            source.name,
            request.kind === 'sql' ? request.sql : `${request.request.method ?? 'GET'} ${request.request.path}`,
            request.kind === 'sql' ? request.params : request.request,
          );
          // The cache stage covers the lookup only; waiting for a miss's call belongs to the fetch.
          const pending = stage(
            'cache',
            (cacheSpan) => {
              let outcome = 'miss' as CacheOutcome;
              const promise = cache.get(key, load, (o) => (outcome = o));
              cacheSpan.setAttribute(ATTR_FEDERATION_CACHE_HIT, outcome !== 'miss');
              if (outcome === 'coalesced') cacheSpan.setAttribute(ATTR_FEDERATION_CACHE_COALESCED, true);
              scope.recordCacheLookup(outcome !== 'miss');
              hit.value = outcome !== 'miss';
              return { promise };
            },
            { part: part.name },
          );
          result = await pending.promise;
        } else {
          result = await load();
        }
        if (hit.value) tally.attempts = 0;
        const limit = part.spec.maxRows ?? this.maxRowsPerPart;
        if (result.rows.length > limit) {
          throw new FederationError('ROWS_EXCEEDED', `returned ${result.rows.length} rows, more than its limit of ${limit}`, {
            part: part.name,
            source: source.name,
          });
        }
        budget.rows += result.rows.length;
        if (budget.rows > this.maxRowsPerQuery) {
          throw new FederationError(
            'ROWS_EXCEEDED',
            `brings the query to ${budget.rows} rows, more than maxRowsPerQuery (${this.maxRowsPerQuery})`,
            { part: part.name, source: source.name },
          );
        }
        span.setAttribute(ATTR_FEDERATION_ROWS_RETURNED, result.rows.length);
        span.setAttribute(ATTR_FEDERATION_CACHE_HIT, hit.value);
        span.setAttribute(ATTR_FEDERATION_ATTEMPTS, tally.attempts);
        return result;
      },
      // The declared dependencies tell trace analysis why this part started after others.
      {
        part: part.name,
        attributes:
          part.dependsOn.length > 0
            ? { [ATTR_FEDERATION_PART]: part.name, [ATTR_FEDERATION_DEPENDS_ON]: [...part.dependsOn] }
            : { [ATTR_FEDERATION_PART]: part.name },
      },
    );
  }

  private async merge(
    spec: FederatedQuerySpec,
    parts: readonly PlannedPart[],
    results: PartResults,
    columns: Readonly<Record<string, ResultColumns>>,
    missing: readonly string[],
    span: Span,
  ): Promise<Row[]> {
    const merge = spec.merge ?? { concat: parts.map((p) => p.name) };
    const rowsOf = (name: string): readonly Row[] => results[name] ?? [];
    span.setAttribute(ATTR_FEDERATION_MERGE_KIND, Object.keys(merge)[0] ?? 'unknown');
    try {
      if ('sql' in merge) {
        const tables: MergeTable[] = [];
        for (const part of parts) {
          // A missing part becomes a table only when its columns were declared; otherwise the SQL
          // fails on the missing table, and the error below names the part.
          if (missing.includes(part.name) && part.spec.columns === undefined) continue;
          tables.push({
            name: part.name,
            rows: rowsOf(part.name),
            columns: columns[part.name]?.columns,
            types: columns[part.name]?.columnTypes,
            declared: part.spec.columns,
          });
        }
        return await this.merger.merge(tables, merge.sql, merge.params ?? []);
      }
      if ('concat' in merge) return concatRows(merge.concat.map(rowsOf), merge.distinct ?? false);
      if ('orderedMerge' in merge) return orderedMergeRows(merge.orderedMerge.map(rowsOf), merge.key, merge.direction ?? 'asc');
      if ('join' in merge) {
        const { left, right, on, type } = merge.join;
        const [leftKey, rightKey] = typeof on === 'string' ? [on, on] : [on.left, on.right];
        return joinRows(rowsOf(left), rowsOf(right), leftKey, rightKey, type ?? 'inner');
      }
      return merge.custom(results);
    } catch (error) {
      const why = missing.length > 0 ? ` (missing parts: ${missing.join(', ')})` : '';
      const what = `the merge of query '${spec.name}' failed${why}: `;
      // DuckDB's message suggests raising its memory_limit; say which of our options sets it.
      const hint = /out of memory/i.test(messageOf(error)) ? ` (option mergeMemoryLimit: ${this.merger.memoryLimit})` : '';
      throw new FederationError('MERGE_FAILED', what + messageOf(error) + hint, {
        part: 'merge',
        cause: error,
        redacted: what + redactErrorMessage(error) + hint,
      });
    }
  }

  private noteError(query: string, error: FederationError): void {
    // status() is telemetry: the driver's text in the message is redacted unless the process opted into raw text.
    this.errors.push({
      at: this.now(),
      query,
      part: error.part,
      source: error.source,
      code: error.code,
      message: redactedMessageOf(error),
    });
  }

  private *breakerStates(): Iterable<[string, 'closed' | 'open' | 'half_open']> {
    for (const source of this.sources.values()) if (source.breaker) yield [source.name, source.breaker.state];
  }
}

function requestOf(part: PlannedPart, results: PartResults): SourceRequest {
  try {
    const { spec } = part;
    if (spec.sql !== undefined) {
      const params = typeof spec.params === 'function' ? spec.params(results) : (spec.params ?? []);
      if (!Array.isArray(params)) throw new TypeError('params must be (or return) an array');
      return { kind: 'sql', sql: spec.sql, params };
    }
    const request = typeof spec.request === 'function' ? spec.request(results) : spec.request;
    if (typeof request?.path !== 'string') throw new TypeError('request must be (or return) an object with a path');
    return { kind: 'http', request };
  } catch (error) {
    const what = 'could not build its request: ';
    throw new FederationError('INVALID_QUERY', what + messageOf(error), {
      part: part.name,
      source: part.spec.source,
      cause: error,
      redacted: what + redactErrorMessage(error),
    });
  }
}

/** Only reads are cached by default: a write answered from the cache would silently not happen. */
function isReadOnly(request: SourceRequest): boolean {
  if (request.kind === 'http') return (request.request.method ?? 'GET').toUpperCase() === 'GET';
  return (
    /^\s*(select|with|values|show|describe|explain)\b/i.test(request.sql) &&
    !/\b(insert|update|delete|merge|create|drop|alter)\b/i.test(request.sql)
  );
}

function asFederationError(error: unknown, part: PlannedPart): FederationError {
  if (error instanceof FederationError) {
    // Errors made below the part (timeout, breaker, queue) already name it; an abort reason may name another part.
    if (error.part === part.name) return error;
    const redacted = error[REDACTED_MESSAGE];
    if (error.code === 'ABORTED')
      return new FederationError('ABORTED', error.message, { part: part.name, source: part.spec.source, cause: error, redacted });
    return error.part === undefined
      ? new FederationError(error.code, error.message, { part: part.name, source: part.spec.source, cause: error.cause, redacted })
      : error;
  }
  const what = `source '${part.spec.source}' failed: `;
  return new FederationError('SOURCE_ERROR', what + messageOf(error), {
    part: part.name,
    source: part.spec.source,
    cause: error,
    redacted: what + redactErrorMessage(error),
  });
}

function outcomeOf(
  part: PlannedPart,
  status: PartOutcome['status'],
  rows: number,
  attempts: number,
  cacheHit: boolean,
  durationMs: number,
  error?: FederationError,
): PartOutcome {
  const outcome: PartOutcome = {
    source: part.spec.source,
    status,
    rows,
    attempts,
    cacheHit,
    durationMs: Math.round(durationMs * 1000) / 1000,
  };
  if (error) outcome.error = { code: error.code, message: error.message };
  return outcome;
}

/** The message of a thrown value, as the application's error message embeds it. */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
