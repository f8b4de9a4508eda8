import type { ClassifiedSpan } from '../classified-span.js';
import type { SpanMetricValueReader } from './span-metric-attributes.js';

/**
 * The series of one span-derived metric, found by the values its attributes take for a span: one
 * `Map` level per attribute, so finding a series costs one lookup per value (strings whose hashes V8
 * keeps) and builds nothing, where a joined key would be a new string to build and hash per span
 * and metric. Values are compared as `Map` keys are (SameValueZero): an absent value (`undefined`)
 * is a value of its own. Series are listed in the order they were added.
 */
export class SpanSeriesIndex<T> {
  private readonly root = new Map<unknown, unknown>();
  private readonly list: T[] = [];
  private indexed = 0;

  /** @param readers - the metric's attribute values, in its attribute order (at least one) */
  constructor(private readonly readers: readonly SpanMetricValueReader[]) {
    if (readers.length === 0) throw new RangeError('a span series index needs at least one attribute');
  }

  /** The series of `span`'s attribute values, if added. */
  get(span: ClassifiedSpan): T | undefined {
    const readers = this.readers;
    const last = readers.length - 1;
    let node = this.root;
    for (let i = 0; i < last; i++) {
      const next = node.get(readers[i]!(span)) as Map<unknown, unknown> | undefined;
      if (next === undefined) return undefined;
      node = next;
    }
    return node.get(readers[last]!(span)) as T | undefined;
  }

  /** Adds the series of `span`'s attribute values (which {@link get} did not find). */
  add(span: ClassifiedSpan, series: T): void {
    const readers = this.readers;
    const last = readers.length - 1;
    let node = this.root;
    for (let i = 0; i < last; i++) {
      const value = readers[i]!(span);
      let next = node.get(value) as Map<unknown, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(value, next);
      }
      node = next;
    }
    node.set(readers[last]!(span), series);
    this.list.push(series);
    this.indexed++;
  }

  /** Lists a series found by no attribute values (an overflow series) after those added so far. */
  addUnindexed(series: T): void {
    this.list.push(series);
  }

  /** Series added with {@link add} (unindexed ones not counted). */
  get size(): number {
    return this.indexed;
  }

  /** Every series, in the order added. */
  values(): readonly T[] {
    return this.list;
  }
}
