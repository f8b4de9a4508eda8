import { redactMessage } from '../../../src/span-model/redact.js';
import { formatValue } from '../template.js';
import type { AlertChannel, AlertNotification } from './types.js';

/** Options of a {@link LogChannel}. */
export interface LogChannelOptions {
  /** Where lines go. @default a line on stderr (not through the OTel `diag` logger) */
  write?: (line: string) => void;
  /** @default 'log' */
  name?: string;
}

/**
 * Writes one logfmt line per transition (re-sends are not logged), e.g.
 * `time=2026-12-06T06:30:00.000Z alertname=HighErrorRate state=firing severity=critical label_query=orders value=0.12 summary="error rate of orders is high"`.
 * See {@link formatNotification}.
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

/**
 * The logfmt line of a notification: `time` (RFC 3339, UTC: when it started firing, or when it
 * resolved), `alertname`, `state` (`firing` / `resolved`), `severity`, then each other label as
 * `label_<name>` (sorted; the prefix keeps a label named e.g. `value` or `time` from clashing with
 * the fixed keys), `value` (`NaN` when there is none) and `summary` (the `summary` annotation, else
 * `description`; left out when neither exists). Label values pass {@link redactMessage}, as
 * `label_*` fields and wherever the summary quotes them: they come from spans and may carry
 * statement text, so quoted literals, numbers and credentials in them become `?`. The rest of the
 * summary is the rule's own template text and figures (`{{ $value }}`, `{{ $threshold }}`) and is
 * kept. A value is quoted when it is empty or holds a space, `=`, `"`, `\` or a control character;
 * `"` and `\` are escaped, line breaks written as `\n`.
 */
export function formatNotification(n: AlertNotification): string {
  const { alertname, severity, ...rest } = n.labels;
  const fields: [string, string][] = [
    ['time', n.status === 'resolved' && n.endsAt !== undefined ? n.endsAt : n.startsAt],
    ['alertname', alertname ?? ''],
    ['state', n.status],
    ['severity', severity ?? ''],
  ];
  for (const key of Object.keys(rest).sort()) fields.push([`label_${key}`, redactMessage(rest[key] ?? '')]);
  fields.push(['value', formatValue(n.value)]);
  const summary = n.annotations['summary'] ?? n.annotations['description'];
  if (summary !== undefined) fields.push(['summary', redactLabelValues(summary, Object.values(n.labels))]);
  return fields.map(([key, value]) => `${key}=${logfmtValue(value)}`).join(' ');
}

/** A logfmt value, quoted and escaped when it has to be. */
export function logfmtValue(value: string): string {
  if (value !== '' && !/[\s="\\\u0000-\u001f\u007f]/.test(value)) return value;
  const escaped = value.replace(/["\\\n\r\t\u0000-\u001f\u007f]/g, (c) => {
    if (c === '"' || c === '\\') return `\\${c}`;
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return `"${escaped}"`;
}

/**
 * The summary with every label value in it redacted. Annotations are rendered by substituting label
 * values verbatim, so those substrings are the only text in it that came from spans.
 */
function redactLabelValues(summary: string, labelValues: readonly string[]): string {
  let text = summary;
  // Longest first, so a value that contains another is replaced whole.
  for (const value of [...labelValues].sort((a, b) => b.length - a.length)) {
    const redacted = redactMessage(value);
    if (value !== '' && redacted !== value) text = text.split(value).join(redacted);
  }
  return text;
}
