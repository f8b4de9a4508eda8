import { UNKNOWN_SERVICE, type ClassifiedSpan } from '../classified-span.js';
import type { AlertSeverity, FigureAggregation, FigureReference, FigureSample, SpanScope } from './types.js';

/** One series' outcome of a rule's condition in one evaluation. */
export interface ConditionSample {
  /** The series' labels (merged into the alert's labels). */
  readonly labels: Readonly<Record<string, string>>;
  /** The figure compared (for `$value`). */
  readonly value: number | null;
  /** Whether the condition holds. */
  readonly active: boolean;
  /** Overrides the rule's severity (burn-rate window pairs). */
  readonly severity?: AlertSeverity;
}

/** A condition's outcome in one evaluation. */
export interface ConditionResult {
  /** `true` when the figure had no data at all (the rule's no-data policy applies). */
  readonly noData: boolean;
  readonly samples: readonly ConditionSample[];
}

/** Reads a figure through the engine's providers; `undefined` when no provider supplies it. */
export type FigureReader = (figure: string, window: string | undefined) => readonly FigureSample[] | undefined;

/** The evaluating half of a rule. */
export interface RuleCondition {
  evaluate(nowMs: number, read: FigureReader): ConditionResult;
  /** Span scope this condition wants spans of (regression, burn rate). */
  readonly spanScope?: SpanScope;
  /** Receives a span of {@link spanScope}, with the series' labels. Must be cheap and never throw. */
  recordSpan?(span: ClassifiedSpan, labels: Readonly<Record<string, string>>): void;
}

/** Reads a rule's figure, dropping null values and applying its aggregation. */
export function readFigure(
  ref: FigureReference,
  read: FigureReader,
): { known: boolean; samples: { labels: Readonly<Record<string, string>>; value: number }[] } {
  const raw = read(ref.figure, ref.window);
  if (raw === undefined) return { known: false, samples: [] };
  const samples = raw.filter(
    (s): s is { labels: Readonly<Record<string, string>>; value: number } => s.value !== null && !Number.isNaN(s.value),
  );
  if (ref.aggregate === 'none' || samples.length === 0) return { known: true, samples };
  return {
    known: true,
    samples: [
      {
        labels: {},
        value: aggregate(
          ref.aggregate,
          samples.map((s) => s.value),
        ),
      },
    ],
  };
}

function aggregate(how: Exclude<FigureAggregation, 'none'>, values: number[]): number {
  switch (how) {
    case 'max':
      return Math.max(...values);
    case 'min':
      return Math.min(...values);
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
  }
}

/**
 * The series labels a span belongs to in `scope` (as the analysis snapshot labels its series:
 * `service` first, none overall), or `undefined` when it is not of that scope.
 */
export function spanSeriesLabels(span: ClassifiedSpan, scope: SpanScope): Record<string, string> | undefined {
  const service = span.service ?? UNKNOWN_SERVICE;
  switch (scope) {
    case 'overall':
      return span.role === 'query' ? {} : undefined;
    case 'query':
      return span.role === 'query' ? { service, query: span.queryName ?? '(unknown)' } : undefined;
    case 'stage':
      return span.role === 'stage' || span.role === 'cache'
        ? { service, query: span.queryName ?? '(unknown)', stage: span.stage ?? '(unknown)' }
        : undefined;
    case 'source':
      return span.role === 'source' ? { service, source: span.source ?? '(unknown)' } : undefined;
  }
}

/** A map with a bound on its size; what it refuses is counted. */
export class BoundedSeriesMap<V> {
  private readonly map = new Map<string, V>();
  /** Series refused because the bound was reached. */
  refused = 0;

  constructor(private readonly limit: number) {}

  /** The entry of `key`, created by `create` when there is room; `undefined` when full. */
  get(key: string, create: () => V): V | undefined {
    let value = this.map.get(key);
    if (value === undefined) {
      if (this.map.size >= this.limit) {
        this.refused++;
        return undefined;
      }
      value = create();
      this.map.set(key, value);
    }
    return value;
  }

  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }

  get size(): number {
    return this.map.size;
  }
}

/** Stable key of a label set. */
export function labelKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}
