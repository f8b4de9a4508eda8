/**
 * What a PromQL expression asks of a scraped exposition that it does not have: the check the shipped
 * rule files and the Grafana dashboard both pass against a live fedscope `/metrics`.
 *
 * @module
 */
import type { ExposedSeries } from './exposition-series.js';
import { promqlSeries, selectorMatches, type VectorSelector } from './promql-selectors.js';

/** A selector written back as PromQL, for messages. */
export function describeSelector(s: VectorSelector): string {
  return `${s.name ?? ''}{${s.matchers.map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`).join(',')}}`;
}

/**
 * What an expression asks of the exposition that it does not have: metric names not exported,
 * `=` matchers whose value no series of the metric has, regex and `!=` matchers on labels the
 * metric lacks, selectors matching nothing, and grouping or template labels none of the selected
 * series carry (`ownLabels`: labels the rule itself adds, which templates may name).
 */
export function unmetNeeds(
  expr: string,
  templates: readonly string[],
  ownLabels: readonly string[],
  exposed: readonly ExposedSeries[],
): string[] {
  const { selectors, groupingLabels } = promqlSeries(expr);
  const problems: string[] = [];
  const selected: ExposedSeries[] = [];
  for (const selector of selectors) {
    const text = describeSelector(selector);
    const candidates = selector.name === undefined ? exposed : exposed.filter((s) => s.name === selector.name);
    if (candidates.length === 0) {
      problems.push(`${text}: no series named ${selector.name ?? '(any)'} is exported`);
      continue;
    }
    for (const m of selector.matchers) {
      const values = new Set(candidates.flatMap((s) => (s.labels[m.label] === undefined ? [] : [s.labels[m.label]!])));
      if (m.op === '=') {
        const met = m.value === '' ? candidates.some((s) => s.labels[m.label] === undefined) : values.has(m.value);
        if (!met)
          problems.push(
            `${text}: no series has ${m.label}=${JSON.stringify(m.value)} (${values.size === 0 ? `no ${m.label} label at all` : `values: ${[...values].join(', ')}`})`,
          );
      } else if (values.size === 0) {
        problems.push(`${text}: no series has a ${m.label} label`);
      }
    }
    const matching = candidates.filter((s) => selectorMatches(selector, s.name, s.labels));
    if (matching.length === 0) problems.push(`${text}: selects no exported series`);
    selected.push(...matching);
  }
  const labels = new Set(selected.flatMap((s) => Object.keys(s.labels)));
  for (const label of groupingLabels) {
    if (!labels.has(label)) problems.push(`groups or matches by ${label}, a label none of the selected series has`);
  }
  for (const template of templates) {
    for (const [, label] of template.matchAll(/\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)/g)) {
      if (!labels.has(label!) && !ownLabels.includes(label!))
        problems.push(`a template names $labels.${label!}, a label none of the selected series has`);
    }
  }
  return problems;
}
