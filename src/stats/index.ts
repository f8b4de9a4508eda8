/** Statistics building blocks: quantile sketches, clocks, sliding-window series. */
export { LogBucketMapping } from './log-bucket-mapping.js';
export { LogBucketSketch } from './log-bucket-sketch.js';
export { ManualClock } from './manual-clock.js';
export { SlidingWindowStats } from './sliding-window-stats.js';
export { SystemClock } from './system-clock.js';
export { WindowSlot } from './window-slot.js';
export type {
  Clock,
  LogBucketSketchOptions,
  QuantileSketch,
  QuantileSketchJSON,
  SeriesSample,
  SeriesSummary,
  SlidingWindowStatsOptions,
  WindowSummary,
} from './types.js';
