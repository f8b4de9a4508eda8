import { formatValue } from '../template.js';
import type { AlertChannel, AlertNotification } from './types.js';

/** Options of a {@link LogChannel}. */
export interface LogChannelOptions {
  /** Where lines go. @default a line on stderr */
  write?: (line: string) => void;
  /** @default 'log' */
  name?: string;
}

/**
 * Writes one line per change, e.g.
 * `fedscope alert FIRING HighErrorRate{query="orders",severity="critical"} value=0.12: summary`.
 * Re-sends are not logged.
 */
export class LogChannel implements AlertChannel {
  readonly name: string;
  private readonly write: (line: string) => void;

  constructor(options: LogChannelOptions = {}) {
    this.name = options.name ?? 'log';
    this.write = options.write ?? ((line) => process.stderr.write(`${line}\n`));
  }

  async send(batch: readonly AlertNotification[]): Promise<void> {
    for (const n of batch) if (!n.resend) this.write(formatNotification(n));
  }
}

/** The log line of a notification. */
export function formatNotification(n: AlertNotification): string {
  const { alertname, ...rest } = n.labels;
  const labels = Object.keys(rest)
    .sort()
    .map((k) => `${k}=${JSON.stringify(rest[k])}`)
    .join(',');
  const summary = n.annotations['summary'] ?? n.annotations['description'];
  return `fedscope alert ${n.status.toUpperCase()} ${alertname ?? '?'}{${labels}} value=${formatValue(n.value)}${summary ? `: ${summary}` : ''}`;
}
