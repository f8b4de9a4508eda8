import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  AlertEngine,
  AlertRulesError,
  DEFAULT_ALERT_RULE_DEFINITIONS,
  loadAlertRulesFile,
  MAX_RULES_FILE_BYTES,
  MAX_RULES_PER_FILE,
  parseAlertRules,
  PIPELINE_FIGURE_NAMES,
  validateAlertRules,
} from '../../../processors/alerts/index.js';
import { AnalysisState } from '../../../processors/analysis/analysis-state.js';
import { FedscopeConfigError } from '../../../src/diagnostics/fedscope-config-error.js';
import { alertRuleContext, resolveConfig } from '../../../src/options/resolve-config.js';
import { PipelineFigureProvider } from '../../../src/pipeline/pipeline-figure-provider.js';

const good = `
rules:
  - alert: HighErrorRate
    figure: query.errorRate
    window: 5m
    op: '>'
    threshold: 0.05
    for: 1m
    keep_firing_for: 2m
    severity: critical
    no_data: keep
    labels: { team: 'db-{{ $labels.query }}' }
    annotations: { summary: '{{ $value }} errors' }
  - alert: SlowSourceRegression
    kind: regression
    scope: source
  - alert: ErrorBudget
    kind: burn_rate
    scope: query
    sli: latency
    objective: 0.99
    latency_threshold_ms: 250
    window_scale: 0.0833
`;

function errorOf(text: string, file = 'rules.yaml'): string {
  try {
    parseAlertRules(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(AlertRulesError);
    expect(error).toBeInstanceOf(FedscopeConfigError);
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

const rule = (body: string) =>
  `rules:\n  - alert: A\n    figure: query.p95Ms\n    op: '>'\n    threshold: 1\n  - alert: B\n    figure: query.p95Ms\n    op: '>'\n    threshold: 1\n  - alert: HighErrorRate\n${body}`;

describe('rules files', () => {
  test('a valid YAML file resolves with snake-case fields and defaults', () => {
    const rules = parseAlertRules(good, 'rules.yaml');
    expect(rules.map((r) => r.kind)).toEqual(['threshold', 'regression', 'burn_rate']);
    expect(rules[0]).toMatchObject({
      forMs: 60_000,
      keepFiringForMs: 120_000,
      severity: 'critical',
      noData: 'keep',
      window: '5m',
      aggregate: 'none',
    });
    expect(rules[2]).toMatchObject({ sli: 'latency', latencyThresholdMs: 250 });
    if (rules[2]!.kind !== 'burn_rate') throw new Error('kind');
    expect(rules[2]!.windows.map((w) => [w.label, w.factor, w.severity])).toEqual([
      ['1h/5m', 14.4, 'critical'],
      ['6h/30m', 6, 'critical'],
      ['3d/6h', 1, 'warning'],
    ]);
  });

  test('JSON files work the same, read from disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedscope-rules-'));
    const path = join(dir, 'rules.json');
    writeFileSync(path, JSON.stringify({ rules: [{ alert: 'X', figure: 'overall.errors', op: '>', threshold: 10 }] }));
    expect((await loadAlertRulesFile(path))[0]).toMatchObject({ alert: 'X', threshold: 10 });
    writeFileSync(path, JSON.stringify({ rules: [{ alert: 'X', figure: 'overall.errors', op: '>', threshold: 'ten' }] }));
    await expect(loadAlertRulesFile(path)).rejects.toThrow('rules.json: rule 1 ("X"): threshold: expected a finite number, got "ten"');
  });

  test.each([
    [
      '    figure: query.errorRate\n    op: ">"\n    threshold: 0.05\n    for: soon\n',
      'rules.yaml: rule 3 ("HighErrorRate"): for: expected a duration like 30s, got "soon"',
    ],
    [
      '    figure: query.errorRate\n    op: ">"\n    threshold: 0.05\n    keep_firing_for: 5\n',
      'rules.yaml: rule 3 ("HighErrorRate"): keep_firing_for: expected a duration like 30s, got number 5',
    ],
    [
      '    figure: query.errorRate\n    op: "=>"\n    threshold: 0.05\n',
      'rules.yaml: rule 3 ("HighErrorRate"): op: expected one of >, >=, <, <=, ==, !=, got "=>"',
    ],
    [
      '    figure: query.errRate\n    op: ">"\n    threshold: 0.05\n',
      'rules.yaml: rule 3 ("HighErrorRate"): figure: unknown figure "query.errRate"',
    ],
    [
      '    figure: query.errorRate\n    op: ">"\n    threshold: 0.05\n    severity: page\n',
      'rules.yaml: rule 3 ("HighErrorRate"): severity: expected one of info, warning, critical, emergency, got "page"',
    ],
    [
      '    figure: query.errorRate\n    op: ">"\n    threshold: 0.05\n    treshold: 1\n',
      'rules.yaml: rule 3 ("HighErrorRate"): treshold: unknown field for a threshold rule',
    ],
    [
      '    figure: query.errorRate\n    op: ">"\n    threshold: 0.05\n    labels: { x: "{{ $value }}" }\n',
      'rules.yaml: rule 3 ("HighErrorRate"): labels.x: {{ $value }} is not allowed in labels',
    ],
    [
      '    figure: query.errorRate\n    op: ">"\n    threshold: 0.05\n    annotations: { s: "{{ .Value }}" }\n',
      'rules.yaml: rule 3 ("HighErrorRate"): annotations.s: unsupported template',
    ],
    [
      '    kind: anomaly\n    figure: query.errorRate\n    detector: { alpha: 7 }\n',
      'rules.yaml: rule 3 ("HighErrorRate"): detector: alpha must be',
    ],
    [
      '    kind: burn_rate\n    scope: query\n    sli: errors\n    objective: 99.9\n',
      'rules.yaml: rule 3 ("HighErrorRate"): objective: expected a share between 0 and 1',
    ],
    [
      '    kind: burn_rate\n    scope: query\n    sli: latency\n    objective: 0.99\n',
      'rules.yaml: rule 3 ("HighErrorRate"): latency_threshold_ms: expected a positive number',
    ],
    [
      '    kind: burn_rate\n    scope: query\n    sli: errors\n    objective: 0.99\n    windows: [{ long: 5m, short: 1h, factor: 2, severity: critical }]\n',
      'rules.yaml: rule 3 ("HighErrorRate"): windows[0].short: must be shorter than long',
    ],
    ['    kind: cron\n', 'rules.yaml: rule 3 ("HighErrorRate"): kind: expected one of threshold, anomaly, regression, burn_rate'],
  ])('names file, rule and field: %#', (body, message) => {
    expect(errorOf(rule(body))).toContain(message);
  });

  test('duplicate names, bad names, bad syntax and bad top level are reported', () => {
    expect(errorOf(rule('    figure: query.p95Ms\n    op: ">"\n    threshold: 1\n').replace('alert: B', 'alert: A'))).toContain(
      'rules.yaml: rule 2 ("A"): alert: another rule is already named "A"',
    );
    expect(errorOf('rules:\n  - alert: "High error"\n', 'x.yml')).toContain('x.yml: rule 1 ("High error"): alert: expected a name');
    expect(errorOf('rules: [ {alert: ', 'x.yml')).toMatch(/^x\.yml: syntax: not valid YAML\/JSON at line 1/);
    expect(errorOf('groups: []', 'x.yml')).toContain('x.yml: groups: unknown top-level key');
  });

  test('rules from code are validated the same way, naming `rules` and the index', () => {
    expect(
      () =>
        new AlertEngine({
          rules: [
            { alert: 'Ok', figure: 'overall.errors', op: '>', threshold: 1 },
            { alert: 'Bad', figure: 'overall.errors', op: '>', threshold: 1, for: '3 minutes' },
          ],
        }),
    ).toThrow('rules: rule 2 ("Bad"): for: expected a duration like 30s, got "3 minutes"');
  });

  test('a window the analysis does not keep is an error naming the rule', () => {
    const analysis = new AnalysisState({ windowsSeconds: [60, 300] });
    const rules = parseAlertRules(good, 'rules.yaml').slice(0, 1);
    expect(() => new AlertEngine({ analysis, rules: [{ ...rules[0]!, window: '15m' } as never] })).toThrow(
      'rules.yaml: rule 1 ("HighErrorRate"): window: "15m" is not an analysis window; use one of 1m, 5m, sinceStart',
    );
  });
});

/** Seven different mistakes, in two rules and at the file's top level. */
const sevenErrors = `
rules:
  - alert: SlowOrders
    figure: queries.p95Ms
    op: '=>'
    threshold: 250
    for: soon
    severity: page
  - alert: Broken
    figure: query.errorRate
    window: 2m
    op: '>'
    threshold: high
groups: []
`;
const sevenLines = [
  'rules.yaml: groups: unknown top-level key; a rules file holds `rules:` (a list of rules)',
  'rules.yaml: rule 1 ("SlowOrders"): for: expected a duration like 30s, got "soon"',
  'rules.yaml: rule 1 ("SlowOrders"): severity: expected one of info, warning, critical, emergency, got "page"',
  'rules.yaml: rule 1 ("SlowOrders"): figure: unknown figure "queries.p95Ms" (did you mean "query.p95Ms"?)',
  'rules.yaml: rule 1 ("SlowOrders"): op: expected one of >, >=, <, <=, ==, !=, got "=>"',
  'rules.yaml: rule 2 ("Broken"): window: "2m" is not an analysis window; use one of 1m, 5m, 15m, sinceStart',
  'rules.yaml: rule 2 ("Broken"): threshold: expected a finite number, got "high"',
];

describe('rules files are bounded', () => {
  const manyRules = (n: number) =>
    `rules:\n${Array.from({ length: n }, (_, i) => `  - { alert: R${i}, figure: query.p95Ms, op: '>', threshold: ${i} }`).join('\n')}\n`;

  test('1,000 rules are accepted; 1,001 are refused with the count, before any rule is validated', () => {
    expect(parseAlertRules(manyRules(MAX_RULES_PER_FILE), 'rules.yaml')).toHaveLength(1000);
    expect(errorOf(manyRules(MAX_RULES_PER_FILE + 1))).toMatch(/rules\.yaml.*holds 1001 rules, more than the 1000 a file may hold/);
  });

  test('a file over 1 MiB is refused by its size, read from disk or given as text, at start-up too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedscope-rules-'));
    const path = join(dir, 'huge.yaml');
    // 2 MiB of comments: refused by its size, not after parsing.
    writeFileSync(path, `rules: []\n${'# padding padding padding padding padding padding padding\n'.repeat(36_000)}`);
    expect(errorOf(`rules: []\n${'#'.repeat(MAX_RULES_FILE_BYTES)}`)).toMatch(/more than the 1048576 bytes/);
    const started = Date.now();
    let error: unknown;
    try {
      resolveConfig({ alerts: { rulesFile: path } }, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FedscopeConfigError);
    expect((error as Error).message).toMatch(/huge\.yaml.*is 2\d{6} bytes, more than the 1048576 bytes a rules file may have/);
    expect(Date.now() - started).toBeLessThan(1000);
    return expect(loadAlertRulesFile(path)).rejects.toThrow(/more than the 1048576 bytes/);
  });
});

describe("start-up's rule validation: every problem at once, figures and windows of the pipeline", () => {
  const context = alertRuleContext({});

  test('a file with 7 different errors reports 7 lines in one run', () => {
    let error: unknown;
    try {
      parseAlertRules(sevenErrors, 'rules.yaml', context);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AlertRulesError);
    const { problems, message } = error as AlertRulesError;
    expect(problems).toHaveLength(sevenLines.length);
    const lines = message.split('\n');
    expect(lines).toHaveLength(sevenLines.length);
    lines.forEach((line, i) => expect(line.startsWith(sevenLines[i]!), `${line}\n  should start with\n${sevenLines[i]!}`).toBe(true));
    // The first problem is also the error's own source/field, as before.
    expect(error).toMatchObject({ source: 'rules.yaml', ruleIndex: undefined, field: 'groups' });
  });

  test('start-up refuses the same file with the same lines, all in one FedscopeConfigError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedscope-rules-'));
    const path = join(dir, 'rules.yaml');
    writeFileSync(path, sevenErrors);
    let error: unknown;
    try {
      resolveConfig({ alerts: { rulesFile: path } }, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FedscopeConfigError);
    expect((error as Error).message.split('\n').map((line, i) => line.startsWith(sevenLines[i]!))).toEqual(sevenLines.map(() => true));
    // Rules given in code are checked against the pipeline too, and reported with the file's.
    try {
      resolveConfig({ alerts: { rulesFile: path, rules: [{ alert: 'Typo', figure: 'system.cpuPercnt', op: '>', threshold: 1 }] } }, {});
    } catch (e) {
      error = e;
    }
    expect((error as AlertRulesError).problems).toHaveLength(sevenLines.length + 1);
    expect((error as Error).message.split('\n').at(-1)).toMatch(
      /^alerts\.rules: rule 1 \("Typo"\): figure: unknown figure "system\.cpuPercnt" \(did you mean "system\.cpuPercent"\?\)/,
    );
  });

  test('a window the analysis does not keep: start-up refuses it with the message the engine gives', () => {
    const file = 'rules:\n  - alert: Slow\n    figure: query.p95Ms\n    window: 2m\n    op: ">"\n    threshold: 1\n';
    const expected = 'rules.yaml: rule 1 ("Slow"): window: "2m" is not an analysis window; use one of 1m, 5m, 15m, sinceStart';
    expect(() => parseAlertRules(file, 'rules.yaml', context)).toThrow(expected);
    // Without the pipeline's context the file is well formed; the engine over that analysis refuses it alike.
    const rules = parseAlertRules(file, 'rules.yaml');
    expect(() => new AlertEngine({ analysis: new AnalysisState({}), rules })).toThrow(expected);
    // Other analysis windows: the rule is fine where 2m is kept.
    expect(parseAlertRules(file, 'rules.yaml', alertRuleContext({ windowsSeconds: [60, 120] }))[0]).toMatchObject({ window: '2m' });
  });

  test('a misspelt figure scope is refused by start-up with a hint and the valid names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedscope-rules-'));
    const path = join(dir, 'rules.yaml');
    writeFileSync(path, 'rules:\n  - alert: Slow\n    figure: queries.p95Ms\n    op: ">"\n    threshold: 1\n');
    expect(() => resolveConfig({ alerts: { rulesFile: path } }, {})).toThrow(
      'rules.yaml: rule 1 ("Slow"): figure: unknown figure "queries.p95Ms" (did you mean "query.p95Ms"?); figures are {overall,query,stage,source,statement}.{count,errors,errorRate,',
    );
    expect(() => resolveConfig({ alerts: { rulesFile: path } }, {})).toThrow(
      'and system.cpuPercent, system.memoryPercent, system.eventLoopDelayP99Ms, health.score, breaker.open',
    );
    // Far from every name: no guess, the names only.
    writeFileSync(path, 'rules:\n  - alert: Slow\n    figure: warehouse.lag\n    op: ">"\n    threshold: 1\n');
    expect(() => resolveConfig({ alerts: { rulesFile: path } }, {})).toThrow(/unknown figure "warehouse\.lag"; figures are/);
  });

  test('the default pack names only figures and windows the pipeline has', () => {
    expect(validateAlertRules(DEFAULT_ALERT_RULE_DEFINITIONS, 'default rules', context)).toHaveLength(
      DEFAULT_ALERT_RULE_DEFINITIONS.length,
    );
  });

  test('the figures beside the snapshot are exactly those the pipeline answers', () => {
    const provider = new PipelineFigureProvider({
      saturation: () => ({ cpuUtilization: 0.5, memoryUtilization: 0.5, eventLoopDelayP99Ms: 2 }),
      healthScore: () => 90,
      breakers: () => ({ crm: 'open' }),
    });
    for (const figure of PIPELINE_FIGURE_NAMES) expect(provider.read(figure), figure).toBeDefined();
    expect(provider.read('system.cpuPercnt')).toBeUndefined();
  });
});
