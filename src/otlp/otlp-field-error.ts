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
