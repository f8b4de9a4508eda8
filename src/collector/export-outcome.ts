import type { DecodedTraceRequest, TraceExportOutcome } from '../otlp/index.js';
import type { RequestOutcome } from './collector-self-stats.js';
import type { IntakeResult } from './trace-intake.js';

/** What a receiver answers and counts for a request the intake took. */
export interface ExportOutcome extends TraceExportOutcome {
  /** Spans recorded into the pipeline. */
  readonly acceptedSpans: number;
  /** Spans not used: the decoder's rejections plus the intake's. */
  readonly rejectedSpans: number;
  /** `partial_success` when any span was rejected, else `success` (a message alone is a warning). */
  readonly requestOutcome: Extract<RequestOutcome, 'success' | 'partial_success'>;
}

/**
 * The answer to an ingested export, the same for every transport: the response's
 * `partial_success` adds the spans the decoder rejected to those the intake refused, with both
 * messages joined by `; `.
 */
export function exportOutcomeOf(decoded: DecodedTraceRequest, result: IntakeResult): ExportOutcome {
  const messages = [decoded.errorMessage, result.message].filter((text): text is string => text !== undefined && text !== '');
  const rejectedSpans = decoded.rejectedSpans + result.rejected;
  return {
    acceptedSpans: result.accepted,
    rejectedSpans,
    errorMessage: messages.length > 0 ? messages.join('; ') : undefined,
    requestOutcome: rejectedSpans > 0 ? 'partial_success' : 'success',
  };
}
