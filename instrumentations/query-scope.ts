import { context, createContextKey, type Context, type Span } from '@opentelemetry/api';

const QUERY_SCOPE_KEY = createContextKey('fedscope.federated-query');
/** A query touches a handful of sources; the cap only guards against misuse. */
const MAX_TRACKED_SOURCES = 256;

/**
 * What one running federated query accumulates while its stages and source calls run:
 * the sources touched, rows returned and cache use. Its root span gets them when it ends.
 */
export class QueryScope {
  /** The sources touched so far (at most 256 are tracked). */
  readonly sources = new Set<string>();
  private rows: number | undefined;
  private hits = 0;
  private lookups = 0;

  /**
   * @param name - the federated query's name (low cardinality)
   * @param id - this execution's id
   * @param span - the query's root span
   */
  constructor(
    readonly name: string,
    readonly id: string,
    readonly span: Span,
  ) {}

  /** Sets the rows the query returns to its caller (`federation.rows.returned`). */
  setRowsReturned(rows: number): void {
    if (Number.isFinite(rows) && rows >= 0) this.rows = rows;
  }

  /** Rows returned, when known. */
  get rowsReturned(): number | undefined {
    return this.rows;
  }

  /** Counts one result-cache lookup and whether it hit. */
  recordCacheLookup(hit: boolean): void {
    this.lookups++;
    if (hit) this.hits++;
  }

  /** Cache lookups made so far. */
  get cacheLookups(): number {
    return this.lookups;
  }

  /** Cache lookups that hit so far. */
  get cacheHits(): number {
    return this.hits;
  }

  /** Notes that the query called `source`. */
  addSource(source: string): void {
    if (this.sources.size < MAX_TRACKED_SOURCES) this.sources.add(source);
  }
}

/** The federated query running in `ctx`, if any. */
export function activeQueryScope(ctx: Context = context.active()): QueryScope | undefined {
  return ctx.getValue(QUERY_SCOPE_KEY) as QueryScope | undefined;
}

/** `ctx` with `scope` as its running federated query. */
export function withQueryScope(ctx: Context, scope: QueryScope): Context {
  return ctx.setValue(QUERY_SCOPE_KEY, scope);
}
