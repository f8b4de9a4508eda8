/**
 * A cumulative base-2 exponential histogram, as OTLP exports them: the OpenTelemetry SDK's own
 * accumulation (`ExponentialHistogramAccumulation` of `@opentelemetry/sdk-metrics`, pinned exactly
 * in package.json), used directly so that fedscope's exponential histograms are bucketed exactly as
 * the SDK's are (scale, downscaling, zero count) without the SDK's per-record attribute hashing.
 * It is not part of the SDK's public surface: test/processors/span-metrics checks its output against
 * the public instrument path, so an SDK upgrade that changes it fails there first.
 */
import type { HrTime } from '@opentelemetry/api';
import { createRequire } from 'node:module';

/** The value of an exponential histogram point (`ExponentialHistogram` of the SDK). */
export interface ExponentialHistogramValue {
  count: number;
  sum: number;
  scale: number;
  zeroCount: number;
  positive: { offset: number; bucketCounts: number[] };
  negative: { offset: number; bucketCounts: number[] };
  min: number;
  max: number;
  hasMinMax: boolean;
}

/** The part of the SDK's accumulation fedscope uses. */
export interface ExponentialHistogramAccumulation {
  record(value: number): void;
  toPointValue(): ExponentialHistogramValue;
  /** Adds `other`'s buckets to this one's (downscaling as needed), as the SDK merges accumulations. */
  merge(other: ExponentialHistogramAccumulation): void;
  /** A copy with the same buckets and bounds. */
  clone(): ExponentialHistogramAccumulation;
}

type AccumulationConstructor = new (startTime: HrTime, maxSize: number, recordMinMax: boolean) => ExponentialHistogramAccumulation;

const require = createRequire(import.meta.url);
const { ExponentialHistogramAccumulation: SdkAccumulation } =
  require('@opentelemetry/sdk-metrics/build/src/aggregator/ExponentialHistogram.js') as {
    ExponentialHistogramAccumulation: AccumulationConstructor;
  };

/**
 * A new exponential histogram holding at most `maxSize` buckets per sign (the SDK's default is 160).
 * @param startTime - start of the cumulative series
 */
export function newExponentialHistogram(startTime: HrTime, maxSize: number): ExponentialHistogramAccumulation {
  return new SdkAccumulation(startTime, maxSize, true);
}
