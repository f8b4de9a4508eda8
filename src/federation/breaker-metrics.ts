import { metrics, type Counter, type MeterProvider, type ObservableGauge } from '@opentelemetry/api';
import { FEDSCOPE_SCOPE_NAME } from '../span-model/attributes.js';
import {
  publishBreakerStates,
  unpublishBreakerStates,
  type BreakerStatePublisher,
  type BreakerTransition,
} from '../span-model/breaker-states.js';
import { FEDSCOPE_VERSION } from '../version.js';
import type { BreakerState } from './types.js';

/** Counter of breaker state changes; Prometheus shows it as `circuit_breaker_state_transitions_total{breaker,state}`. */
export const METRIC_BREAKER_TRANSITIONS = 'circuit_breaker_state_transitions';
/** Gauge of each breaker's state: 0 closed, 1 half-open, 2 open. */
export const METRIC_BREAKER_STATE = 'circuit_breaker_state';

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** State changes kept for the dashboard (the oldest go first). */
export const MAX_KEPT_BREAKER_TRANSITIONS = 100;

/**
 * The circuit breaker telemetry of one federation: the OTel instruments, and the process-wide
 * breaker board (`src/span-model/breaker-states.ts`) from which fedscope's health score and
 * `breaker.open` alert figure read the states without the application passing them.
 */
export class BreakerMetrics implements BreakerStatePublisher {
  private readonly transitions: Counter;
  private readonly gauge: ObservableGauge;
  private readonly callback: Parameters<ObservableGauge['addCallback']>[0];
  /** The latest transitions, oldest first, at most {@link MAX_KEPT_BREAKER_TRANSITIONS}. */
  private readonly recent: BreakerTransition[] = [];

  /**
   * @param provider - where the instruments live
   * @param states - the current state of every breaker, read at collection time
   * @param now - clock in milliseconds (the federation's), for the transitions' times
   */
  constructor(
    provider: MeterProvider | undefined,
    private readonly states: () => Iterable<[string, BreakerState]>,
    private readonly now: () => number = Date.now,
  ) {
    const meter = (provider ?? metrics).getMeter(FEDSCOPE_SCOPE_NAME, FEDSCOPE_VERSION);
    this.transitions = meter.createCounter(METRIC_BREAKER_TRANSITIONS, {
      description: 'Circuit breaker state changes, by breaker (the source) and the state entered.',
    });
    this.gauge = meter.createObservableGauge(METRIC_BREAKER_STATE, {
      description: 'Circuit breaker state by breaker: 0 closed, 1 half-open, 2 open.',
    });
    this.callback = (result) => {
      for (const [breaker, state] of states()) result.observe(STATE_VALUE[state], { breaker });
    };
    this.gauge.addCallback(this.callback);
    // Held weakly by the board: a federation dropped without close() disappears from it.
    publishBreakerStates(this);
  }

  /** The breakers' states now (for the breaker board). */
  breakerStates(): Iterable<[string, BreakerState]> {
    return this.states();
  }

  /** The latest state changes, oldest first (for the breaker board and the dashboard). */
  breakerTransitions(): BreakerTransition[] {
    return [...this.recent];
  }

  /** Counts one transition and keeps it among the recent ones. */
  transition(breaker: string, state: BreakerState): void {
    this.transitions.add(1, { breaker, state });
    if (this.recent.length >= MAX_KEPT_BREAKER_TRANSITIONS) this.recent.shift();
    this.recent.push({ breaker, state, timeMs: this.now() });
  }

  /** Stops reporting the gauge and takes the breakers off the board. */
  stop(): void {
    this.gauge.removeCallback(this.callback);
    unpublishBreakerStates(this);
  }
}
