/** The alert engine's detectors: online anomaly detection, latency regressions, NAB scoring. */
export { LatencyRegressionDetector } from './latency-regression-detector.js';
export {
  chanceRecall,
  loadNabCorpus,
  loadNabLabels,
  loadNabSeries,
  parseNabTimestamp,
  runDetector,
  scoreAlerts,
  scoreDetector,
  totalScore,
  windowPointCounts,
} from './nab-scorer.js';
export type { NabCorpusScore, NabSeries, NabSeriesScore, NabWindow } from './nab-scorer.js';
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
