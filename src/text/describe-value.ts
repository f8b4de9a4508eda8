/** Strings longer than this are described by their length, never quoted: a long value may be a secret. */
const MAX_QUOTED = 40;

/**
 * Describes a received value for an error message: its type, and the value itself when it is
 * short (strings of at most 40 characters quoted as JSON, numbers and booleans as written).
 * Options, rules files and OTLP payloads all name bad values this way.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > MAX_QUOTED ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}
