import { metrics, type Attributes, type BatchObservableCallback, type MeterProvider, type Observable } from '@opentelemetry/api';
import { FEDSCOPE_VERSION } from '../../src/version.js';
import { ATTR_DB_CLIENT_CONNECTION_STATE } from '../../src/span-model/attributes.js';

/** Semconv (incubating): connections by state. */
export const METRIC_DB_CLIENT_CONNECTION_COUNT = 'db.client.connection.count';
/** Semconv (incubating): requests waiting for a connection. */
export const METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS = 'db.client.connection.pending_requests';
/** Semconv (incubating): the most connections the pool opens. */
export const METRIC_DB_CLIENT_CONNECTION_MAX = 'db.client.connection.max';

/** A pool's state at one collection; a field left undefined is not reported. */
export interface PoolState {
  idle?: number | undefined;
  used?: number | undefined;
  pending?: number | undefined;
  max?: number | undefined;
}

/**
 * Registers the semconv connection-pool gauges (`db.client.connection.count` by state,
 * `.pending_requests`, `.max`) of one pool, read by `read` at each collection with the `base`
 * attributes. `read` returning undefined reports nothing (a closed pool); `stop` removes the callback.
 */
export function observePoolGauges(options: {
  meterName: string;
  meterProvider: MeterProvider | undefined;
  base: Attributes;
  read: () => PoolState | undefined;
}): { stop(): void } {
  const meter = (options.meterProvider ?? metrics).getMeter(options.meterName, FEDSCOPE_VERSION);
  const count = meter.createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_COUNT, {
    description: 'The number of connections that are currently in state described by the state attribute.',
    unit: '{connection}',
  });
  const pending = meter.createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS, {
    description: 'The number of current pending requests for an open connection.',
    unit: '{request}',
  });
  const max = meter.createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_MAX, {
    description: 'The maximum number of open connections allowed.',
    unit: '{connection}',
  });
  const observables: Observable[] = [count, pending, max];
  const { base } = options;
  const callback: BatchObservableCallback = (result) => {
    const state = options.read();
    if (state === undefined) return;
    if (state.idle !== undefined) result.observe(count, state.idle, { ...base, [ATTR_DB_CLIENT_CONNECTION_STATE]: 'idle' });
    if (state.used !== undefined) result.observe(count, state.used, { ...base, [ATTR_DB_CLIENT_CONNECTION_STATE]: 'used' });
    if (state.pending !== undefined) result.observe(pending, state.pending, base);
    if (state.max !== undefined) result.observe(max, state.max, base);
  };
  meter.addBatchObservableCallback(callback, observables);
  let stopped = false;
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      meter.removeBatchObservableCallback(callback, observables);
    },
  };
}

/** A non-negative integer count read defensively from a driver's object, else undefined. */
export function countOf(read: () => unknown): number | undefined {
  try {
    const value = read();
    return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
  } catch {
    return undefined;
  }
}
