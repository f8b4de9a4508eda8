import { createNoopMeter, type Histogram, type Meter, type MeterOptions, type MeterProvider } from '@opentelemetry/api';
import { METRIC_DB_CLIENT_OPERATION_DURATION } from '@opentelemetry/semantic-conventions';

const NOOP_HISTOGRAM: Histogram = createNoopMeter().createHistogram(METRIC_DB_CLIENT_OPERATION_DURATION);

/**
 * A meter provider that hands an instrumentation a no-op `db.client.operation.duration` histogram
 * and everything else from `provider`: contrib pg's pool metrics stay, its duration series is
 * never recorded. Cheaper than dropping the series with a view, which still hashes the attributes
 * of every recording (twice: the dropped series never keeps a cell).
 */
export function withoutOperationDuration(provider: MeterProvider): MeterProvider {
  return {
    getMeter(name: string, version?: string, options?: MeterOptions): Meter {
      const meter = provider.getMeter(name, version, options);
      return {
        createHistogram: (instrumentName, instrumentOptions) =>
          instrumentName === METRIC_DB_CLIENT_OPERATION_DURATION
            ? NOOP_HISTOGRAM
            : meter.createHistogram(instrumentName, instrumentOptions),
        createGauge: (n, o) => meter.createGauge(n, o),
        createCounter: (n, o) => meter.createCounter(n, o),
        createUpDownCounter: (n, o) => meter.createUpDownCounter(n, o),
        createObservableGauge: (n, o) => meter.createObservableGauge(n, o),
        createObservableCounter: (n, o) => meter.createObservableCounter(n, o),
        createObservableUpDownCounter: (n, o) => meter.createObservableUpDownCounter(n, o),
        addBatchObservableCallback: (callback, observables) => meter.addBatchObservableCallback(callback, observables),
        removeBatchObservableCallback: (callback, observables) => meter.removeBatchObservableCallback(callback, observables),
      };
    },
  };
}
