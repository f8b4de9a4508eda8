/**
 * A problem with one field of an OTLP request, located by its path (e.g.
 * `resourceSpans[0].scopeSpans[1].spans[3].traceId`). Inside a span it rejects just that span;
 * anywhere else the decoder turns it into a 400 `OtlpDecodeError` with the same message.
 */
export class OtlpFieldError extends Error {
  /** Path of the offending field or object. */
  readonly path: string;

  /**
   * @param what - the kind of problem, e.g. `invalid traceId`
   * @param path - where it is
   * @param detail - what was expected and what came instead
   */
  constructor(what: string, path: string, detail: string) {
    super(`${what} at ${path}: ${detail}`);
    this.name = 'OtlpFieldError';
    this.path = path;
  }
}

/** At most this many characters of a received value are quoted back in an error message. */
const MAX_QUOTED = 40;

/**
 * A short, printable description of a received JSON value for an error message: its type, and
 * for strings and numbers a quote of at most 40 characters.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string': {
      const quoted = JSON.stringify(value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED)}…` : value);
      return `string ${quoted}`;
    }
    case 'number':
      return `number ${String(value)}`;
    case 'boolean':
      return `boolean ${String(value)}`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}
