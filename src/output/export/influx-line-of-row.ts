import type { ExportRow } from './export-rows.js';
import { encodeInfluxLine, nanosecondsFromMillis } from './influx-line-protocol.js';

/**
 * One export row as a line of InfluxDB line protocol: the row's measurement, its tags
 * (`service`, `query`, `stage`, `source`, `overflow`), `count` and `errors` as integers, the other
 * figures as floats (those without a value left out), stamped with the row's time in nanoseconds.
 * `/fedscope/export?format=influx` and the InfluxDB push write the same lines.
 */
export function influxLineOfRow(row: ExportRow): string | undefined {
  const { count, errors, ...floats } = row.fields;
  return encodeInfluxLine({
    measurement: row.measurement,
    tags: { ...row.tags },
    fields: { count: integer(count), errors: integer(errors), ...floats },
    // Rows are stamped to the millisecond (snapshots) or the second (history points).
    timestampNs: nanosecondsFromMillis(Math.round(row.time * 1000)),
  });
}

/** An integer field; a count that is not a whole number (never expected) is left out rather than written as a float of another type. */
function integer(value: number): bigint | null {
  return Number.isSafeInteger(value) ? BigInt(value) : null;
}
