/**
 * Types of the slow-trace exemplars: the slowest federated queries of each query name, kept by
 * trace id so that an operator can open them (in Jaeger).
 */

/** The windows `/fedscope/slow-traces.json` answers for, in seconds. */
export const SLOW_TRACE_WINDOWS_SECONDS: readonly number[] = [60, 300, 900];

/** One slow federated query: its root span. */
export interface SlowTraceExemplar {
  /** Trace id, 32 hex digits. */
  traceId: string;
  /** Span id of the query's root span, 16 hex digits. */
  spanId: string;
  /** The root span's duration, ms. */
  durationMs: number;
  /** When the root span started (ISO 8601). */
  startTime: string;
  /** The query failed. */
  error: boolean;
}

/** The slowest queries of one (service, query name), slowest first. */
export interface QuerySlowTraces<T extends SlowTraceExemplar = SlowTraceExemplar> {
  /** The service of the query's root spans (`''` for the overflow series). */
  service: string;
  /** The query name (`~overflow` for the queries beyond the analysis' bound). */
  query: string;
  /** Slowest first. */
  traces: T[];
}

/** An exemplar with its link to the trace in Jaeger's UI. */
export interface LinkedSlowTrace extends SlowTraceExemplar {
  /** `<jaegerUiUrl>/trace/<traceId>`, `null` when no Jaeger UI is configured. */
  jaegerUrl: string | null;
}

/** `GET /fedscope/slow-traces.json`. */
export interface SlowTracesReport {
  /** The window asked, seconds. */
  windowSeconds: number;
  /** Jaeger's UI base URL (`jaegerUiUrl`, `FEDSCOPE_JAEGER_UI_URL`), `null` when not configured. */
  jaegerUiUrl: string | null;
  /** Per query with a trace in the window, the query whose slowest trace is slowest first. */
  queries: QuerySlowTraces<LinkedSlowTrace>[];
}

/** What `/fedscope/slow-traces.json` asks, parsed. */
export interface SlowTracesQuery {
  /** One of {@link SLOW_TRACE_WINDOWS_SECONDS}. */
  windowSeconds: number;
  /** Only this service's queries, when given. */
  service?: string | undefined;
}
