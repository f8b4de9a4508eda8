import { observedPoolGauges, type PoolGaugeReading } from '../../instrumentations/contrib/pool-gauges.js';
import { publishedBreakerTransitions, type BreakerState, type BreakerTransition } from '../span-model/breaker-states.js';

/**
 * What fedscope knows of the sources beyond their spans, as `/fedscope/sources.json` serves it:
 * the circuit breakers' states and recent transitions (from the process's breaker board, where the
 * `circuit_breaker_*` metrics come from) and the connection pools' gauges (read from the pools the
 * `db.client.connection.*` gauges observe). A collector companion sees no breakers or pools of
 * its senders: its lists stay empty.
 */
export interface SourceStatesReport {
  /** When the report was taken (ISO 8601). */
  generatedAt: string;
  /** Every known breaker's state now, by name. */
  breakers: { name: string; state: BreakerState }[];
  /** The breakers' recent state changes, oldest first, with ISO 8601 times. */
  breakerTransitions: { breaker: string; state: BreakerState; time: string }[];
  /** Every observed connection pool's gauges now. */
  pools: PoolGaugeReading[];
}

/** Most breaker transitions a report lists (the latest). */
const MAX_REPORTED_TRANSITIONS = 200;

/**
 * The source states now.
 * @param breakerStates - every breaker's state (the board's and the application's, as the health score reads them)
 * @param now - the time of the report, ms since the epoch
 */
export function sourceStatesReport(breakerStates: Record<string, BreakerState>, now: number = Date.now()): SourceStatesReport {
  return {
    generatedAt: new Date(now).toISOString(),
    breakers: Object.entries(breakerStates)
      .map(([name, state]) => ({ name, state }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    breakerTransitions: publishedBreakerTransitions(MAX_REPORTED_TRANSITIONS).map((t: BreakerTransition) => ({
      breaker: t.breaker,
      state: t.state,
      time: new Date(t.timeMs).toISOString(),
    })),
    pools: observedPoolGauges(),
  };
}
