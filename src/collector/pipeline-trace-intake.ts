import { fedscopeLog } from '../diagnostics/fedscope-log.js';
import type { DecodedSpan, DecodedTraceRequest } from '../otlp/trace-model.js';
import type { InFlightFigures, IntakeBudget } from './intake-budget.js';
import type { CollectorTransport, IntakeRefusal, IntakeResult, RawTraceBody, TraceIntake } from './trace-intake.js';

/** Where the intake records spans: a `FedscopePipeline`. */
export interface SpanIngest {
  /** Records spans decoded from OTLP; returns how many could not be classified. */
  ingestDecoded(spans: Iterable<DecodedSpan>): number;
}

/** Where the intake hands each received body for forwarding (a `TraceForwarder`). */
export interface RawTraceForwarder {
  /** Queues the body; false when it was dropped (the forwarder counts why). */
  forward(raw: RawTraceBody): boolean;
}

/** Options of a {@link PipelineTraceIntake}. */
export interface PipelineTraceIntakeOptions {
  /** The pipeline spans are recorded into. */
  pipeline: SpanIngest;
  /** The in-flight and heap budgets requests are admitted against. */
  budget: IntakeBudget;
  /** Forwards every received body unchanged, when forwarding is configured. */
  forwarder?: RawTraceForwarder;
}

/**
 * The companion's {@link TraceIntake}: admits requests against an {@link IntakeBudget}, records
 * each request's spans into the pipeline with one `ingest` call, and hands the body as received
 * to the forwarder. It never throws: a span it cannot convert, or a failure of the pipeline or the
 * forwarder, is logged and the spans concerned are counted rejected.
 */
export class PipelineTraceIntake implements TraceIntake {
  /** @param options - the pipeline, the budget and the forwarder */
  constructor(private readonly options: PipelineTraceIntakeOptions) {}

  /** Admits `bytes` more in flight, or refuses for `memory` or `queue` with a retry delay. */
  admit(bytes: number): IntakeRefusal | undefined {
    return this.options.budget.admit(bytes);
  }

  /** Gives back what {@link PipelineTraceIntake.admit} admitted. */
  release(bytes: number): void {
    this.options.budget.release(bytes);
  }

  /** What is in flight now, for the self-metrics. */
  inFlight(): InFlightFigures {
    return this.options.budget.inFlight();
  }

  /** Records the request's spans into the pipeline and forwards `raw`; never throws. */
  ingest(request: DecodedTraceRequest, transport: CollectorTransport, raw?: RawTraceBody): IntakeResult {
    const result = this.record(request, transport);
    if (raw !== undefined && this.options.forwarder !== undefined) {
      try {
        this.options.forwarder.forward(raw);
      } catch (error) {
        fedscopeLog.error(`a request received over ${transport} could not be handed to the forwarder; it is not forwarded`, error);
      }
    }
    return result;
  }

  private record(request: DecodedTraceRequest, transport: CollectorTransport): IntakeResult {
    let total = 0;
    try {
      total = request.spans.length;
      const unclassifiable = this.options.pipeline.ingestDecoded(request.spans);
      if (unclassifiable === 0) return { accepted: total, rejected: 0 };
      fedscopeLog.warn(`${unclassifiable} span(s) received over ${transport} could not be classified; they are counted rejected`);
      return {
        accepted: total - unclassifiable,
        rejected: unclassifiable,
        message: `${unclassifiable} span(s) could not be classified for analysis`,
      };
    } catch (error) {
      fedscopeLog.error(`spans received over ${transport} could not be recorded; they are counted rejected`, error);
      return { accepted: 0, rejected: total, message: 'fedscope could not record these spans; see its log' };
    }
  }
}
