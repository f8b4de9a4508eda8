/** The part of an event emitter that a {@link ConnectionErrorWatch} uses (pg clients, mysql2 connections). */
export interface ErrorEventTarget {
  /** Adds an `'error'` listener. */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Removes it again. */
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Listens to a checked-out connection's `'error'` event for as long as it is out of its pool.
 *
 * Pools listen to their idle connections only (pg-pool removes its listener at checkout, mysql2's
 * listens once), so a socket reset while a connection is out would otherwise be an unhandled
 * `'error'` event, which ends the process. The watch keeps the first error, so the caller knows
 * the connection broke — even when its call succeeded — and destroys it instead of returning it.
 */
export class ConnectionErrorWatch {
  /** The first error the connection emitted while watched, if any. */
  error: Error | undefined;
  private readonly listener = (error: Error): void => {
    this.error ??= error;
  };

  /** @param target - the checked-out connection; watched from now until {@link stop} */
  constructor(private readonly target: ErrorEventTarget) {
    target.on('error', this.listener);
  }

  /** Stops listening; call it right before the connection goes back to (or is removed from) its pool. */
  stop(): void {
    this.target.removeListener('error', this.listener);
  }
}
