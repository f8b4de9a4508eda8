import { postJson } from './http-post.js';
import type { AlertChannel, AlertNotification } from './types.js';

/** Options of an {@link AlertmanagerChannel}. */
export interface AlertmanagerChannelOptions {
  /** Alertmanager's base URL, e.g. `http://127.0.0.1:9093`. */
  url: string;
  /** @default 'alertmanager' */
  name?: string;
  /**
   * Re-send still-firing alerts this often; Alertmanager resolves an alert it has not heard of for
   * `resolve_timeout` (5 m by default), and forgets everything on restart.
   * @default 60000
   */
  resendIntervalMs?: number;
  /**
   * Wait after delivering an alert's "firing" before sending its "resolved" (should exceed the
   * route's `group_wait`, so a short-lived alert is notified as firing before it resolves).
   * @default 0
   */
  holdResolvedMs?: number;
  /** `generatorURL` of every alert (a link back to fedscope's dashboard). @default none */
  generatorURL?: string;
  /** Extra request headers (e.g. authorisation). @default {} */
  headers?: Record<string, string>;
  /** Per-request timeout. @default 10000 */
  timeoutMs?: number;
}

/** One alert of Alertmanager's `POST /api/v2/alerts` body. */
export interface AlertmanagerPostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
}

/**
 * Sends alerts to Alertmanager's API v2 (`POST /api/v2/alerts`): firing alerts without `endsAt`
 * (re-sent every `resendIntervalMs`), resolved ones with `endsAt`. Labels are the identity, as
 * in Alertmanager.
 */
export class AlertmanagerChannel implements AlertChannel {
  readonly name: string;
  readonly resendIntervalMs: number;
  readonly holdResolvedMs: number;
  private readonly endpoint: string;

  constructor(private readonly options: AlertmanagerChannelOptions) {
    this.name = options.name ?? 'alertmanager';
    this.resendIntervalMs = options.resendIntervalMs ?? 60_000;
    this.holdResolvedMs = options.holdResolvedMs ?? 0;
    this.endpoint = `${options.url.replace(/\/+$/, '')}/api/v2/alerts`;
  }

  async send(batch: readonly AlertNotification[]): Promise<void> {
    await postJson(
      this.endpoint,
      batch.map((n) => this.toPostable(n)),
      this.options.headers ?? {},
      this.options.timeoutMs ?? 10_000,
    );
  }

  /** The API v2 form of a notification. */
  toPostable(n: AlertNotification): AlertmanagerPostableAlert {
    const alert: AlertmanagerPostableAlert = { labels: { ...n.labels }, annotations: { ...n.annotations }, startsAt: n.startsAt };
    if (n.endsAt !== undefined) alert.endsAt = n.endsAt;
    if (this.options.generatorURL !== undefined) alert.generatorURL = this.options.generatorURL;
    return alert;
  }
}
