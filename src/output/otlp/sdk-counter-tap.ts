import type {
  Attributes,
  BatchObservableCallback,
  Context,
  Counter,
  Gauge,
  Histogram,
  Meter,
  MeterOptions,
  MeterProvider,
  MetricAttributes,
  MetricOptions,
  Observable,
  ObservableCounter,
  ObservableGauge,
  ObservableUpDownCounter,
  UpDownCounter,
} from '@opentelemetry/api';

/** Told of each addition to a tapped counter. */
export type CounterTap = (name: string, value: number, attributes: Attributes | undefined) => void;

/**
 * A meter provider that passes everything through to `provider` and also tells `tap` each
 * addition to the counters named in `names`. The OTel SDK's self-observability metrics
 * (`selfObsMeterProvider`, e.g. `otel.sdk.processor.span.processed`) are recorded on the real
 * provider, so they reach `/metrics` as the SDK defines them, while fedscope reads the same
 * figures for its log line without a metric reader of its own.
 */
export function tapCounters(provider: MeterProvider, names: ReadonlySet<string>, tap: CounterTap): MeterProvider {
  return { getMeter: (name, version, options?: MeterOptions) => new TappedMeter(provider.getMeter(name, version, options), names, tap) };
}

class TappedMeter implements Meter {
  constructor(
    private readonly meter: Meter,
    private readonly names: ReadonlySet<string>,
    private readonly tap: CounterTap,
  ) {}

  createCounter<A extends MetricAttributes = MetricAttributes>(name: string, options?: MetricOptions): Counter<A> {
    const counter = this.meter.createCounter<A>(name, options);
    if (!this.names.has(name)) return counter;
    const tap = this.tap;
    return {
      add(value: number, attributes?: A, context?: Context): void {
        counter.add(value, attributes, context);
        try {
          tap(name, value, attributes);
        } catch {
          // The SDK's recording must not fail because fedscope's tally did.
        }
      },
    };
  }

  createGauge<A extends MetricAttributes = MetricAttributes>(name: string, options?: MetricOptions): Gauge<A> {
    return this.meter.createGauge<A>(name, options);
  }

  createHistogram<A extends MetricAttributes = MetricAttributes>(name: string, options?: MetricOptions): Histogram<A> {
    return this.meter.createHistogram<A>(name, options);
  }

  createUpDownCounter<A extends MetricAttributes = MetricAttributes>(name: string, options?: MetricOptions): UpDownCounter<A> {
    return this.meter.createUpDownCounter<A>(name, options);
  }

  createObservableGauge<A extends MetricAttributes = MetricAttributes>(name: string, options?: MetricOptions): ObservableGauge<A> {
    return this.meter.createObservableGauge<A>(name, options);
  }

  createObservableCounter<A extends MetricAttributes = MetricAttributes>(name: string, options?: MetricOptions): ObservableCounter<A> {
    return this.meter.createObservableCounter<A>(name, options);
  }

  createObservableUpDownCounter<A extends MetricAttributes = MetricAttributes>(
    name: string,
    options?: MetricOptions,
  ): ObservableUpDownCounter<A> {
    return this.meter.createObservableUpDownCounter<A>(name, options);
  }

  addBatchObservableCallback<A extends MetricAttributes = MetricAttributes>(
    callback: BatchObservableCallback<A>,
    observables: Observable<A>[],
  ): void {
    this.meter.addBatchObservableCallback<A>(callback, observables);
  }

  removeBatchObservableCallback<A extends MetricAttributes = MetricAttributes>(
    callback: BatchObservableCallback<A>,
    observables: Observable<A>[],
  ): void {
    this.meter.removeBatchObservableCallback<A>(callback, observables);
  }
}
