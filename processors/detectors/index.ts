/** The alert engine's detectors: online anomaly detection and latency regressions. */
export { LatencyRegressionDetector } from './latency-regression-detector.js';
export { OnlineAnomalyDetector } from './online-anomaly-detector.js';
export type {
  AnomalyDirection,
  AnomalyPhase,
  AnomalyVerdict,
  AnomalyView,
  DirectionFilter,
  LatencyRegressionDetectorOptions,
  OnlineAnomalyDetectorOptions,
  PointDetector,
  PointVerdict,
  RegressionState,
  RegressionVerdict,
  VersionChangePoint,
  WindowQuantiles,
} from './types.js';
