import type { AlertNotification } from '../types.js';

export type { AlertNotification };

/**
 * Where alert notifications go. A channel delivers one batch at a time (the delivery queue calls
 * `send` again only after the previous call settled) and reports the outcome by resolving or
 * rejecting: a rejection is retried with backoff, unless it is a {@link PermanentDeliveryError}.
 */
export interface AlertChannel {
  /** Name for counters and messages, e.g. `alertmanager`. */
  readonly name: string;
  /**
   * Re-send still-firing alerts this often (Alertmanager resolves alerts it has not heard of for
   * `resolve_timeout`); `undefined` for channels that want each change once.
   */
  readonly resendIntervalMs?: number | undefined;
  /**
   * Delay, after a firing notification of an alert was delivered, before its resolved one may be
   * sent. Alertmanager only notifies "resolved" for alerts whose "firing" it notified, which takes
   * `group_wait`: an alert that fired and resolved while Alertmanager was down would otherwise
   * reach it already resolved and never be notified at all.
   */
  readonly holdResolvedMs?: number | undefined;
  /** Delivers a batch (at most one notification per alert, in order). */
  send(batch: readonly AlertNotification[]): Promise<void>;
}

/** A failure retrying cannot fix (e.g. HTTP 400/422): the batch is dropped and counted. */
export class PermanentDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}
