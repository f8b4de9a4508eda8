import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace-base';
import type { SamplerName } from '../options/types.js';

/** Builds the sampler named as `OTEL_TRACES_SAMPLER` names them. */
export function buildSampler(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}

/**
 * Wraps a sampler so that spans it drops are still recorded, unsampled: exporters skip them (the
 * batch processor exports sampled spans only) while fedscope's processor sees every span, so its
 * metrics count every query whatever the export sampling.
 */
export class RecordAllSampler implements Sampler {
  /** @param delegate - decides what is sampled (exported) */
  constructor(private readonly delegate: Sampler) {}

  /** Delegates, upgrading NOT_RECORD to RECORD. */
  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    const result = this.delegate.shouldSample(context, traceId, spanName, spanKind, attributes, links);
    return result.decision === SamplingDecision.NOT_RECORD ? { ...result, decision: SamplingDecision.RECORD } : result;
  }

  /** Names the wrapped sampler. */
  toString(): string {
    return `RecordAllSampler{${this.delegate.toString()}}`;
  }
}
