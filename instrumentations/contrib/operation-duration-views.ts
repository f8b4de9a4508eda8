import { METRIC_DB_CLIENT_OPERATION_DURATION } from '@opentelemetry/semantic-conventions';
import { AggregationType, type ViewOptions } from '@opentelemetry/sdk-metrics';

/** Instrumentation scope of `@opentelemetry/instrumentation-pg` (its meter's name). */
export const CONTRIB_PG_SCOPE_NAME = '@opentelemetry/instrumentation-pg';

/**
 * Meter-provider views that drop the `db.client.operation.duration` histogram contrib pg records
 * itself, keeping its pool metrics (`db.client.connection.*`).
 *
 * For when fedscope's span processor records `db.client.operation.duration` from every source
 * span instead: contrib pg's own series have no `federation.source`, no `error.type` for failures
 * of promise-style queries, and take `db.operation.name` from the first word of the SQL (`SELEC`
 * for a typo), so they do not line up with the series of the other drivers. Use only together
 * with a processor that records pg spans too, or pg durations disappear.
 */
export function dropContribOperationDurationViews(): ViewOptions[] {
  return [
    {
      meterName: CONTRIB_PG_SCOPE_NAME,
      instrumentName: METRIC_DB_CLIENT_OPERATION_DURATION,
      aggregation: { type: AggregationType.DROP },
    },
  ];
}
