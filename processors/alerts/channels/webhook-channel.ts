import { postJson } from './http-post.js';
import type { AlertChannel, AlertNotification } from './types.js';

/** Options of a {@link WebhookChannel}. */
export interface WebhookChannelOptions {
  /** Receiver URL. */
  url: string;
  /** @default 'webhook' */
  name?: string;
  /** `receiver` field of the payload. @default 'fedscope' */
  receiver?: string;
  /** `externalURL` field of the payload. @default '' */
  externalURL?: string;
  /** Extra request headers. @default {} */
  headers?: Record<string, string>;
  /** Per-request timeout. @default 10000 */
  timeoutMs?: number;
}

/** An alert in Alertmanager's webhook payload (version 4). */
export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** Alertmanager's webhook payload, version 4: what receivers written for Alertmanager parse. */
export interface WebhookPayload {
  version: '4';
  receiver: string;
  status: 'firing' | 'resolved';
  alerts: WebhookAlert[];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  groupKey: string;
  truncatedAlerts: number;
}

/** Alertmanager's "not yet" time, used for `endsAt` while firing. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * POSTs each change as an Alertmanager webhook v4 payload, so any receiver built for Alertmanager
 * (chat bridges, incident tools) works without Alertmanager. Re-sends are skipped: a webhook wants
 * each change once.
 */
export class WebhookChannel implements AlertChannel {
  readonly name: string;

  constructor(private readonly options: WebhookChannelOptions) {
    this.name = options.name ?? 'webhook';
  }

  async send(batch: readonly AlertNotification[]): Promise<void> {
    const changes = batch.filter((n) => !n.resend);
    if (changes.length === 0) return;
    await postJson(this.options.url, this.payload(changes), this.options.headers ?? {}, this.options.timeoutMs ?? 10_000);
  }

  /** The v4 payload of a batch. */
  payload(batch: readonly AlertNotification[]): WebhookPayload {
    const alerts = batch.map((n): WebhookAlert => ({
      status: n.status,
      labels: { ...n.labels },
      annotations: { ...n.annotations },
      startsAt: n.startsAt,
      endsAt: n.endsAt ?? ZERO_TIME,
      generatorURL: '',
      fingerprint: fingerprint(n.key),
    }));
    return {
      version: '4',
      receiver: this.options.receiver ?? 'fedscope',
      status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
      alerts,
      groupLabels: {},
      commonLabels: common(alerts.map((a) => a.labels)),
      commonAnnotations: common(alerts.map((a) => a.annotations)),
      externalURL: this.options.externalURL ?? '',
      groupKey: '{}:{}',
      truncatedAlerts: 0,
    };
  }
}

function common(maps: readonly Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = maps;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(first ?? {})) if (rest.every((m) => m[key] === value)) out[key] = value;
  return out;
}

/** 16 hex digits (FNV-1a 64) of the identity, like Alertmanager's fingerprint field. */
function fingerprint(key: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}
