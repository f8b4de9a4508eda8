/**
 * InfluxDB line protocol, written by hand and pure: `measurement,tag=value field=1.5,count=3i 1700000000000000000`.
 *
 * The rules, as InfluxDB 1.x and 2.x parse them (checked against a real 1.6 server in the tests):
 *
 * - **Measurement**: commas and spaces are escaped with `\`.
 * - **Tag keys, tag values, field keys**: commas, equals signs and spaces are escaped with `\`.
 * - **String field values**: in double quotes; `"` and `\` are escaped with `\`.
 * - **Backslashes** elsewhere are literal, except that the parser reads a backslash right before a
 *   comma, equals sign or space (or at the end of the text) as an escape it cannot give back: such a
 *   backslash is written as `＼` (U+FF3C, FULLWIDTH REVERSE SOLIDUS) so the line still parses and
 *   reads back the rest of the name exactly.
 * - **Newlines** end a line: CR and LF (and CRLF) in any name or value become one space each run.
 * - **Empty tag values** are not allowed: such a tag is left out.
 * - **Numbers**: a `number` is a float field (`1.5`, `2`, `1e+21`), a `bigint` an integer field
 *   (`3i`, signed 64-bit); NaN and ±Infinity are not valid line protocol and the field is left
 *   out, as is an integer outside the signed 64-bit range. A point with no field left is no line.
 * - **Names** (measurement, tag and field keys) are chosen by code, not data: one that is empty,
 *   starts with `_` (reserved by InfluxDB 2.x) or is `time` (refused by 1.x), or a measurement
 *   starting with `#` (a comment line), is a programming error and throws.
 * - **Timestamps** are nanoseconds since the Unix epoch as a `bigint` (a `number` cannot hold
 *   them exactly); tags are written sorted by key, as InfluxDB recommends.
 */

/** A field value: `number` is written as a float, `bigint` as an integer (`i`). */
export type InfluxFieldValue = number | bigint | string | boolean;

/** One point to write. */
export interface InfluxPoint {
  /** The measurement name. */
  readonly measurement: string;
  /** Tags by key; an empty or `undefined` value leaves the tag out. */
  readonly tags?: Readonly<Record<string, string | undefined>>;
  /** Fields by key; `null`/`undefined`, NaN, ±Infinity and out-of-range integers are left out. */
  readonly fields: Readonly<Record<string, InfluxFieldValue | null | undefined>>;
  /** Nanoseconds since the Unix epoch; without it the server stamps the point. */
  readonly timestampNs?: bigint;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const NEWLINES = /[\r\n]+/g;
/** A backslash the parser would read as escaping what follows it (or that ends the text). */
const AMBIGUOUS_BACKSLASH_KEY = /\\(?=[, =]|$)/g;
const AMBIGUOUS_BACKSLASH_MEASUREMENT = /\\(?=[, ]|$)/g;
const FULLWIDTH_BACKSLASH = '\uFF3C';

/**
 * Encodes one point as a line (without its newline).
 * @returns the line, or `undefined` when no field has a valid value
 * @throws RangeError when the measurement, a tag key or a field key is empty, starts with `_` or is `time`
 */
export function encodeInfluxLine(point: InfluxPoint): string | undefined {
  const fields: string[] = [];
  for (const [key, value] of Object.entries(point.fields)) {
    const encoded = encodeFieldValue(value);
    if (encoded !== undefined) fields.push(`${escapeKey(checkedName('field key', key))}=${encoded}`);
  }
  // Names are checked even when the point has no field left: a bad name is a bug whatever the data.
  if (point.measurement.startsWith('#'))
    throw new RangeError(`line protocol: a measurement must not start with "#" (a comment line), got ${JSON.stringify(point.measurement)}`);
  const measurement = escapeMeasurement(checkedName('measurement', point.measurement));
  const tags = Object.entries(point.tags ?? {})
    .map(([key, value]) => [checkedName('tag key', key), value === undefined ? '' : withoutNewlines(value)] as const)
    .filter(([, value]) => value !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `,${escapeKey(key)}=${escapeKey(value)}`)
    .join('');
  if (fields.length === 0) return undefined;
  const timestamp = point.timestampNs === undefined ? '' : ` ${point.timestampNs}`;
  return `${measurement}${tags} ${fields.join(',')}${timestamp}`;
}

/** Escapes a measurement name: commas and spaces (and newlines and ambiguous backslashes, see the module). */
export function escapeMeasurement(name: string): string {
  return withoutNewlines(name)
    .replace(AMBIGUOUS_BACKSLASH_MEASUREMENT, FULLWIDTH_BACKSLASH)
    .replace(/[, ]/g, (c) => `\\${c}`);
}

/** Escapes a tag key, tag value or field key: commas, equals signs and spaces (and newlines and ambiguous backslashes). */
export function escapeKey(text: string): string {
  return withoutNewlines(text)
    .replace(AMBIGUOUS_BACKSLASH_KEY, FULLWIDTH_BACKSLASH)
    .replace(/[, =]/g, (c) => `\\${c}`);
}

/** A string field value in double quotes: `"` and `\` escaped, newlines replaced by a space. */
export function quoteStringField(value: string): string {
  return `"${withoutNewlines(value).replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * Nanoseconds since the Unix epoch from milliseconds (what `Date.now()` gives), exact for whole
 * milliseconds and rounded to the nanosecond for fractions.
 * @throws RangeError when `ms` is not finite
 */
export function nanosecondsFromMillis(ms: number): bigint {
  if (!Number.isFinite(ms)) throw new RangeError(`a timestamp must be a finite number of milliseconds, got ${ms}`);
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}

function encodeFieldValue(value: InfluxFieldValue | null | undefined): string | undefined {
  switch (typeof value) {
    case 'number':
      // String() of a finite number is a float InfluxDB reads (`2`, `1.5`, `1e+21`, `5e-324`); -0 reads `0`.
      return Number.isFinite(value) ? String(value) : undefined;
    case 'bigint':
      return value >= INT64_MIN && value <= INT64_MAX ? `${value}i` : undefined;
    case 'string':
      return quoteStringField(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return undefined;
  }
}

function checkedName(what: string, name: string): string {
  if (name === '' || name.startsWith('_') || name === 'time')
    throw new RangeError(`line protocol: a ${what} must not be empty, start with "_" or be "time", got ${JSON.stringify(name)}`);
  return name;
}

function withoutNewlines(text: string): string {
  return text.replace(NEWLINES, ' ');
}
