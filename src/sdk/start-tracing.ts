import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { ResolvedConfig } from '../options/resolved-config.js';
import { createOtlpSpanProcessor } from '../output/otlp/otlp-span-processor.js';
import { SpanLossLog } from '../output/otlp/span-loss-log.js';
import type { FedscopePipeline } from '../pipeline/fedscope-pipeline.js';
import { fedscopeLog } from '../diagnostics/fedscope-log.js';
import { driverInstrumentations } from './driver-instrumentations.js';
import { buildSampler, RecordAllSampler } from './sampler.js';
import { settlesWithin } from '../output/delivery/settles-within.js';

/** The tracing side of a started fedscope. */
export interface StartedTracing {
  /** The tracer provider: fedscope's span processor, the OTLP batch processor, the user's. */
  tracerProvider: NodeTracerProvider;
  /**
   * Unpatches the instrumentations, shuts the tracer provider down (its last span export) within
   * `timeoutMs` — spans still queued or in flight then are counted as dropped (`shutdown`) and
   * logged — and, when registered globally, disables the global API.
   */
  stop(timeoutMs: number): Promise<void>;
}

/**
 * Builds the tracer provider around the pipeline's span processor (with the OTLP export and the
 * user's processors beside it), registers it globally when asked, and patches the drivers.
 */
export function startTracing(config: ResolvedConfig, pipeline: FedscopePipeline, resource: Resource): StartedTracing {
  const spanProcessors: SpanProcessor[] = [pipeline.spanProcessor];
  // Spans the export loses (queue full, endpoint down or slow) are counted on /metrics and logged.
  const spanLoss = config.otlp ? new SpanLossLog() : undefined;
  const otlpProcessor = config.otlp && spanLoss ? createOtlpSpanProcessor(config.otlp, pipeline.meterProvider, spanLoss) : undefined;
  if (otlpProcessor) spanProcessors.push(otlpProcessor);
  spanProcessors.push(...config.spanProcessors);
  const sampler = buildSampler(config.sampler.name, config.sampler.ratio);
  const tracerProvider = new NodeTracerProvider({
    resource,
    sampler: config.analyzeUnsampled ? new RecordAllSampler(sampler) : sampler,
    spanProcessors,
  });
  if (config.registerGlobal) {
    tracerProvider.register();
    metrics.setGlobalMeterProvider(pipeline.meterProvider);
  }
  const instrumentations = [...driverInstrumentations(config.sourceInstrumentations, config.instrumentations), ...config.instrumentations];
  const unregister =
    instrumentations.length > 0
      ? registerInstrumentations({ tracerProvider, meterProvider: pipeline.meterProvider, instrumentations })
      : undefined;
  return {
    tracerProvider,
    stop: async (timeoutMs) => {
      unregister?.();
      if (!(await settlesWithin(tracerProvider.shutdown(), timeoutMs))) {
        // The budget ran out with spans still queued or being exported: they are lost; say how many.
        const lost = otlpProcessor?.unsettled() ?? 0;
        if (lost > 0) spanLoss?.recordDropped('shutdown', lost);
        fedscopeLog.warn(`the tracer provider's shutdown did not finish within ${timeoutMs} ms; fedscope stopped waiting`);
      }
      if (config.registerGlobal) {
        trace.disable();
        metrics.disable();
        context.disable();
        propagation.disable();
      }
      // After the tracer provider's last export: the final figures of what was lost.
      spanLoss?.close();
    },
  };
}
