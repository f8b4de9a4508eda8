/**
 * The process-wide board on which circuit breakers publish their states, so that the analysis
 * (health score, `breaker.open` alert figure) sees every breaker of the process without the
 * application wiring them: a runtime publishes, the pipeline reads, neither imports the other.
 *
 * The board lives on `globalThis` under a registered symbol, as `@opentelemetry/api` keeps its
 * globals: two copies of fedscope loaded in one process (say `fedscope/register` from `dist/` and
 * the application's own import) still share it. It holds publishers weakly and at most
 * {@link MAX_BREAKER_PUBLISHERS} of them; a publisher past the bound is not shown and is counted.
 *
 * @module
 */

/** Circuit-breaker states, as a breaker reports them. */
export type BreakerState = 'closed' | 'open' | 'half_open';

/** `error.type` of a call its source's open circuit breaker refused (the call never left the process). */
export const ERROR_TYPE_BREAKER_OPEN = 'breaker_open';

/** One state change of a circuit breaker. */
export interface BreakerTransition {
  /** The breaker's name (the source's name). */
  breaker: string;
  /** The state entered. */
  state: BreakerState;
  /** When, ms since the epoch. */
  timeMs: number;
}

/** Something that knows breakers (one federation runtime): read at every health snapshot and alert evaluation. */
export interface BreakerStatePublisher {
  /** The current state of each breaker, by name (the source's name). Must be cheap and must not throw. */
  breakerStates(): Iterable<readonly [string, BreakerState]>;
  /** Its breakers' recent state changes (bounded), oldest first, when it keeps them. Must not throw. */
  breakerTransitions?(): Iterable<BreakerTransition>;
}

/** Most publishers shown at once; a runtime created past it is left off (and counted). */
export const MAX_BREAKER_PUBLISHERS = 64;

interface Board {
  readonly publishers: Set<WeakRef<BreakerStatePublisher>>;
  /** Publishers refused because the board was full. */
  refused: number;
}

const BOARD_KEY = Symbol.for('fedscope.breakerStates.v1');

function board(): Board {
  const holder = globalThis as { [BOARD_KEY]?: Board };
  return (holder[BOARD_KEY] ??= { publishers: new Set(), refused: 0 });
}

/** Drops the publishers that were garbage-collected. */
function prune(b: Board): void {
  for (const ref of b.publishers) if (ref.deref() === undefined) b.publishers.delete(ref);
}

/**
 * Shows `publisher`'s breakers to the analysis until {@link unpublishBreakerStates} (or until it is
 * garbage-collected: the board holds it weakly). Returns false when the board is full.
 */
export function publishBreakerStates(publisher: BreakerStatePublisher): boolean {
  const b = board();
  for (const ref of b.publishers) if (ref.deref() === publisher) return true;
  if (b.publishers.size >= MAX_BREAKER_PUBLISHERS) prune(b);
  if (b.publishers.size >= MAX_BREAKER_PUBLISHERS) {
    b.refused++;
    return false;
  }
  b.publishers.add(new WeakRef(publisher));
  return true;
}

/** Takes `publisher`'s breakers off the board (a closed runtime). */
export function unpublishBreakerStates(publisher: BreakerStatePublisher): void {
  const b = board();
  for (const ref of b.publishers) {
    const held = ref.deref();
    if (held === undefined || held === publisher) b.publishers.delete(ref);
  }
}

/** Publishers the board refused because it was full, since the process started. */
export function refusedBreakerPublishers(): number {
  return board().refused;
}

const SEVERITY: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * Every published breaker's state by name, merged with `extra` (states the application reports
 * itself). Two breakers of one name (two runtimes, or a runtime and `extra`) read as the worse of
 * the two. A publisher or `extra` that throws is skipped (`extra`'s error goes to `onError`), so
 * the others still count: telemetry must not fail the caller.
 */
export function publishedBreakerStates(
  extra?: () => Record<string, BreakerState>,
  onError?: (error: unknown) => void,
): Record<string, BreakerState> {
  const states: Record<string, BreakerState> = {};
  const note = (name: string, state: BreakerState): void => {
    const seen = states[name];
    if (SEVERITY[state] === undefined) return;
    if (seen === undefined || SEVERITY[state] > SEVERITY[seen]) states[name] = state;
  };
  const b = board();
  for (const ref of b.publishers) {
    const publisher = ref.deref();
    if (publisher === undefined) {
      b.publishers.delete(ref);
      continue;
    }
    try {
      for (const [name, state] of publisher.breakerStates()) note(name, state);
    } catch {
      // A broken publisher shows nothing; the others still count.
    }
  }
  if (extra !== undefined) {
    try {
      for (const [name, state] of Object.entries(extra())) note(name, state);
    } catch (error) {
      try {
        onError?.(error);
      } catch {
        // Reporting the problem must not become one.
      }
    }
  }
  return states;
}

/**
 * The recent state changes of every published breaker that keeps them, oldest first, at most
 * `limit` (the latest). A publisher that throws is skipped.
 */
export function publishedBreakerTransitions(limit = 200): BreakerTransition[] {
  const transitions: BreakerTransition[] = [];
  for (const ref of board().publishers) {
    try {
      for (const transition of ref.deref()?.breakerTransitions?.() ?? []) transitions.push(transition);
    } catch {
      // A broken publisher shows nothing; the others still count.
    }
  }
  transitions.sort((a, b) => a.timeMs - b.timeMs);
  return transitions.slice(Math.max(0, transitions.length - limit));
}
