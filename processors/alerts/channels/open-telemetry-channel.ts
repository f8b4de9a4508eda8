import { trace, type Tracer } from '@opentelemetry/api';
import { FEDSCOPE_SCOPE_NAME } from '../../../src/span-model/attributes.js';
import type { AlertChannel, AlertNotification } from './types.js';

/** Options of an {@link OpenTelemetryChannel}. */
export interface OpenTelemetryChannelOptions {
  /** Tracer to use. @default the global tracer provider's `fedscope.alerts` tracer */
  tracer?: Tracer;
  /** @default 'opentelemetry' */
  name?: string;
}

/**
 * Records each change as an `alert.firing` / `alert.resolved` event on a short span named
 * `fedscope.alert {alertname}`, so alerts travel with the traces through the OTel pipeline.
 * A span event, not a log record: `@opentelemetry/api-logs` is not a dependency of fedscope.
 * Attributes: `alert.name`, `alert.status`, `alert.severity`, `alert.value`, `alert.label.*`,
 * `alert.annotation.*`.
 */
export class OpenTelemetryChannel implements AlertChannel {
  readonly name: string;
  private readonly tracer: Tracer | undefined;

  constructor(options: OpenTelemetryChannelOptions = {}) {
    this.name = options.name ?? 'opentelemetry';
    this.tracer = options.tracer;
  }

  async send(batch: readonly AlertNotification[]): Promise<void> {
    // Looked up per send, so a tracer provider registered after the engine was built is used.
    const tracer = this.tracer ?? trace.getTracer(`${FEDSCOPE_SCOPE_NAME}.alerts`);
    for (const n of batch) {
      if (n.resend) continue;
      const attributes: Record<string, string | number> = {
        'alert.name': n.labels['alertname'] ?? '',
        'alert.status': n.status,
        'alert.severity': n.labels['severity'] ?? '',
        'alert.starts_at': n.startsAt,
      };
      if (n.value !== null) attributes['alert.value'] = n.value;
      if (n.endsAt !== undefined) attributes['alert.ends_at'] = n.endsAt;
      for (const [k, v] of Object.entries(n.labels)) attributes[`alert.label.${k}`] = v;
      for (const [k, v] of Object.entries(n.annotations)) attributes[`alert.annotation.${k}`] = v;
      const span = tracer.startSpan(`fedscope.alert ${n.labels['alertname'] ?? ''}`, {
        root: true,
        attributes: { 'alert.name': attributes['alert.name'] ?? '' },
      });
      span.addEvent(`alert.${n.status}`, attributes);
      span.end();
    }
  }
}
