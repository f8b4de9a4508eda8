import { guard } from '../span-runner.js';

/** Called once when a traced iteration ends. */
export interface IterationEnd {
  /** The iteration completed or was closed early (`return()`, `break`); `rows` were handed out. */
  onEnd(rows: number): void;
  /** `next()` threw; the error goes on to the caller unchanged. */
  onError(error: unknown): void;
}

type IteratorMethod = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Makes a statement iterator report when it ends, counting the rows it hands out. The iterator
 * itself is returned to the caller unchanged: `next` and `return` are replaced by own properties
 * that call the originals, so identity, prototype and behaviour stay the driver's.
 *
 * An iterator that is dropped without being finished or closed never reports (better-sqlite3
 * keeps its statement busy until then, so the span stays open just as the statement does).
 */
export function observeIteration(iterator: unknown, end: IterationEnd): void {
  if (typeof iterator !== 'object' || iterator === null) {
    guard(() => end.onEnd(0));
    return;
  }
  const target = iterator as { next?: unknown; return?: unknown };
  const next = target.next;
  const close = target.return;
  if (typeof next !== 'function') {
    guard(() => end.onEnd(0));
    return;
  }
  let rows = 0;
  let ended = false;
  const finish = (error?: { error: unknown }): void => {
    if (ended) return;
    ended = true;
    guard(() => (error ? end.onError(error.error) : end.onEnd(rows)));
  };
  const define = (name: 'next' | 'return', value: IteratorMethod): void => {
    Object.defineProperty(iterator, name, { value, writable: true, configurable: true, enumerable: false });
  };
  define('next', function fedscopeNext(this: unknown, ...args: unknown[]): unknown {
    let step: unknown;
    try {
      step = Reflect.apply(next as IteratorMethod, this, args);
    } catch (error) {
      finish({ error });
      throw error;
    }
    if ((step as { done?: unknown } | null)?.done === true) finish();
    else rows++;
    return step;
  });
  if (typeof close === 'function') {
    define('return', function fedscopeReturn(this: unknown, ...args: unknown[]): unknown {
      try {
        return Reflect.apply(close as IteratorMethod, this, args);
      } finally {
        finish();
      }
    });
  }
}
