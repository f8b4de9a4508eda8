/**
 * The subset of Prometheus' alert templating fedscope supports: `{{ $labels.name }}`,
 * `{{ $value }}`, `{{ $threshold }}`, `{{ $alertname }}`. Unknown references render empty (as a
 * missing label does in Prometheus) rather than failing an evaluation.
 */

/** What a template can refer to. */
export interface TemplateData {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number | null;
  readonly threshold?: number | undefined;
  readonly alertname: string;
}

const REFERENCE = /\{\{\s*\$(labels\.[A-Za-z_][A-Za-z0-9_]*|value|threshold|alertname)\s*\}\}/g;
const ANY_REFERENCE = /\{\{(.*?)\}\}/g;

/** Renders `template`. */
export function renderTemplate(template: string, data: TemplateData): string {
  return template.replace(REFERENCE, (_, name: string) => {
    if (name.startsWith('labels.')) return data.labels[name.slice(7)] ?? '';
    if (name === 'value') return formatValue(data.value);
    if (name === 'threshold') return data.threshold === undefined ? '' : formatValue(data.threshold);
    return data.alertname;
  });
}

/** A problem with `template` (a `{{ … }}` fedscope does not understand), or `undefined`. */
export function checkTemplate(template: string, allowValue: boolean): string | undefined {
  for (const match of template.matchAll(ANY_REFERENCE)) {
    const inner = (match[1] ?? '').trim();
    if (!/^\$(labels\.[A-Za-z_][A-Za-z0-9_]*|value|threshold|alertname)$/.test(inner)) {
      return `unsupported template ${JSON.stringify(match[0])}; use {{ $labels.<name> }}, {{ $value }}, {{ $threshold }} or {{ $alertname }}`;
    }
    if (!allowValue && inner === '$value') return `{{ $value }} is not allowed in labels (a label is part of the alert's identity)`;
  }
  return undefined;
}

/** Numbers as people read them: up to 4 significant digits, no exponent for usual magnitudes. */
export function formatValue(value: number | null): string {
  if (value === null || Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}
