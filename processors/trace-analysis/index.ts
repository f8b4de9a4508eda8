export { TraceAssembler } from './trace-assembler.js';
export { TraceAnalyzer, ROOT_STAGE } from './trace-analyzer.js';
export { BottleneckWindow, OTHER_KEY, type KeyTotals, type CandidateTotals, type WindowTotals } from './bottleneck-window.js';
export { BottleneckAggregator, OVERFLOW_QUERY, type BottleneckAggregatorOptions } from './bottleneck-aggregator.js';
export { SuggestionEngine, type SuggestionEngineOptions } from './suggestion-engine.js';
export type * from './types.js';
