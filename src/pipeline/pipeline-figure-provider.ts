import type { FigureProvider, FigureSample } from '../../processors/alerts/types.js';
import type { BreakerState } from '../../processors/health/types.js';
import type { SaturationSample } from '../../processors/health/types.js';

/** What the pipeline's figures are read from. */
export interface PipelineFigureSources {
  /** Host and runtime saturation now. */
  saturation(): SaturationSample;
  /** The overall health score now. */
  healthScore(): number | null;
  /**
   * Circuit-breaker states by source: what the process's federation runtimes publish, with what the
   * application reports through `health.breakers`.
   */
  breakers: () => Record<string, BreakerState>;
}

/**
 * The alert engine's figures that do not come from the span statistics: `system.cpuPercent`,
 * `system.memoryPercent`, `system.eventLoopDelayP99Ms`, `health.score` and `breaker.open`
 * (1 per source whose breaker is open, labelled `source`).
 */
export class PipelineFigureProvider implements FigureProvider {
  /** @param sources - where the figures are read from */
  constructor(private readonly sources: PipelineFigureSources) {}

  /** Samples of one of the figures above, or undefined for any other figure. */
  read(figure: string): readonly FigureSample[] | undefined {
    switch (figure) {
      case 'system.cpuPercent':
        return single(percent(this.sources.saturation().cpuUtilization));
      case 'system.memoryPercent':
        return single(percent(this.sources.saturation().memoryUtilization));
      case 'system.eventLoopDelayP99Ms':
        return single(this.sources.saturation().eventLoopDelayP99Ms);
      case 'health.score':
        return single(this.sources.healthScore());
      case 'breaker.open': {
        const states = this.sources.breakers();
        return Object.entries(states).map(([source, state]) => ({ labels: { source }, value: state === 'open' ? 1 : 0 }));
      }
      default:
        return undefined;
    }
  }
}

function percent(ratio: number | null): number | null {
  return ratio === null ? null : ratio * 100;
}

function single(value: number | null): FigureSample[] {
  return value === null ? [] : [{ labels: {}, value }];
}
