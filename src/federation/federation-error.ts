import { REDACTED_MESSAGE } from '../span-model/redact.js';

/**
 * Why a federated query (or one of its parts) failed:
 * - `INVALID_QUERY`: the query spec is malformed (no parts, a part without SQL or request, …)
 * - `UNKNOWN_SOURCE`: a part names a source that is not registered
 * - `UNSUPPORTED_REQUEST`: a part asks a source for what it cannot do (SQL to an HTTP source, …)
 * - `DUPLICATE_NAME`: a source registered twice
 * - `UNKNOWN_DEPENDENCY`, `CYCLIC_DEPENDENCY`: the parts' `dependsOn` are wrong
 * - `TIMEOUT`: a call outlived its source's `timeoutMs`
 * - `QUEUE_FULL`: the source's wait queue was full
 * - `BREAKER_OPEN`: the source's circuit breaker refused the call
 * - `SOURCE_ERROR`: the source failed (the driver's error is the `cause`)
 * - `DEPENDENCY_FAILED`: a part it depends on failed
 * - `ROWS_EXCEEDED`: a part or the query returned more rows than allowed
 * - `MERGE_FAILED`: the merge (SQL or built-in) failed
 * - `ABORTED`: the query gave up on the part (another part failed under the `fail` policy)
 * - `CLOSED`: the federation was closed
 */
export type FederationErrorCode =
  | 'INVALID_QUERY'
  | 'UNKNOWN_SOURCE'
  | 'UNSUPPORTED_REQUEST'
  | 'DUPLICATE_NAME'
  | 'UNKNOWN_DEPENDENCY'
  | 'CYCLIC_DEPENDENCY'
  | 'TIMEOUT'
  | 'QUEUE_FULL'
  | 'BREAKER_OPEN'
  | 'SOURCE_ERROR'
  | 'DEPENDENCY_FAILED'
  | 'ROWS_EXCEEDED'
  | 'MERGE_FAILED'
  | 'ABORTED'
  | 'CLOSED';

/**
 * An error of the federation runtime. `part` names the part it concerns (undefined for errors of
 * the whole query or of registration); the driver's own error, when there is one, is the `cause`.
 *
 * The message is for the application and stays as written, driver text included. Telemetry (span
 * status and exception events, `status().recentErrors`) records its redacted form instead
 * (`REDACTED_MESSAGE`): the runtime's own words and names as they are, an embedded driver message
 * through `redactMessage`.
 */
export class FederationError extends Error {
  /** `FederationError`. */
  override readonly name = 'FederationError';

  /**
   * @param code - what went wrong, see {@link FederationErrorCode}
   * @param message - human description; the part's name is prefixed when given
   * @param details - the part and source concerned, the underlying error, and `redacted`: the
   *   message with any text that came from a driver or the application redacted (the message
   *   itself when omitted: it then holds nothing but the runtime's own words)
   */
  constructor(
    readonly code: FederationErrorCode,
    message: string,
    details: { part?: string | undefined; source?: string | undefined; cause?: unknown; redacted?: string | undefined } = {},
  ) {
    const prefix = details.part !== undefined ? `part '${details.part}': ` : '';
    super(prefix + message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.part = details.part;
    this.source = details.source;
    this[REDACTED_MESSAGE] = prefix + (details.redacted ?? message);
  }

  /** The message as telemetry records it (see the class comment). */
  readonly [REDACTED_MESSAGE]: string;

  /** The part concerned, if any. */
  readonly part: string | undefined;
  /** The source concerned, if any. */
  readonly source: string | undefined;
}
