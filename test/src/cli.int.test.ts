import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { FedscopeConfigError } from '../../src/diagnostics/fedscope-config-error.js';
import { startFedscope } from '../../src/sdk/start-fedscope.js';
import { startWatched } from '../support/child-process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function capture(args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runCli(
    args,
    (t) => (out += t),
    (t) => (err += t),
  );
  return { code, out, err };
}

describe('fedscope CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedscope-cli-'));
  const good = join(dir, 'good.yaml');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(good, 'rules:\n  - alert: SlowOrders\n    figure: query.p95Ms\n    op: ">"\n    threshold: 250\n');
  writeFileSync(bad, 'rules:\n  - alert: SlowOrders\n    figure: query.p95Ms\n    op: "~"\n    threshold: 250\n');

  it('validates rules files, naming the file, rule and field of a problem', () => {
    expect(capture(['check-rules', good])).toMatchObject({ code: 0, out: expect.stringContaining('1 rule(s) OK: SlowOrders') });
    const failed = capture(['check-rules', good, bad]);
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/bad\.yaml.*rule 1.*SlowOrders.*op/);
  });

  const seven = join(dir, 'seven.yaml');
  writeFileSync(
    seven,
    [
      'rules:',
      '  - alert: SlowOrders',
      '    figure: queries.p95Ms',
      "    op: '=>'",
      '    threshold: 250',
      '    for: soon',
      '    severity: page',
      '  - alert: Broken',
      '    figure: query.errorRate',
      '    window: 2m',
      "    op: '>'",
      '    threshold: high',
      'groups: []',
      '',
    ].join('\n'),
  );

  /** What startFedscope throws for `rulesFile`, or undefined when it starts (then it is shut down). */
  async function startUpError(rulesFile: string): Promise<string | undefined> {
    try {
      const handle = startFedscope({
        alerts: { rulesFile },
        prometheus: { startServer: false },
        otlp: false,
        hostMetrics: false,
        runtimeMetrics: false,
        registerGlobal: false,
      });
      await handle.shutdown();
      return undefined;
    } catch (error) {
      expect(error).toBeInstanceOf(FedscopeConfigError);
      return (error as Error).message;
    }
  }

  it('reports every problem of a file in one run, one line each naming file, rule and field', async () => {
    const run = capture(['check-rules', seven]);
    expect(run.code).toBe(1);
    const lines = run.err.trimEnd().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe('seven.yaml: groups: unknown top-level key; a rules file holds `rules:` (a list of rules)');
    expect(lines.slice(1, 5).every((line) => line.startsWith('seven.yaml: rule 1 ("SlowOrders"): '))).toBe(true);
    expect(lines.slice(5).every((line) => line.startsWith('seven.yaml: rule 2 ("Broken"): '))).toBe(true);
    expect(lines.map((line) => /^seven\.yaml:(?: rule \d \("\w+"\):)? ([\w.]+): /.exec(line)?.[1])).toEqual([
      'groups',
      'for',
      'severity',
      'figure',
      'op',
      'window',
      'threshold',
    ]);
    // Start-up refuses the file with the same lines.
    expect(await startUpError(seven)).toBe(run.err.trimEnd());
  });

  it('refuses a window the analysis does not keep, with the message start-up gives', async () => {
    const file = join(dir, 'window.yaml');
    writeFileSync(file, 'rules:\n  - alert: SlowOrders\n    figure: query.p95Ms\n    window: 2m\n    op: ">"\n    threshold: 250\n');
    const run = capture(['check-rules', file]);
    expect(run).toMatchObject({ code: 1, out: '' });
    expect(run.err).toBe(
      'window.yaml: rule 1 ("SlowOrders"): window: "2m" is not an analysis window; use one of 1m, 5m, 15m, sinceStart\n',
    );
    expect(await startUpError(file)).toBe(run.err.trimEnd());
    // Against the windows a service configures (analysis.windowsSeconds), checked as start-up checks them.
    expect(capture(['check-rules', '--windows-seconds', '60,120', file])).toMatchObject({
      code: 0,
      out: expect.stringContaining('1 rule(s) OK: SlowOrders'),
    });
    expect(capture(['check-rules', '--windows-seconds=60,90', file])).toMatchObject({
      code: 2,
      err: expect.stringContaining('analysis.windowsSeconds: 90 s: the shortest window must be a multiple of 5 s, the others of 60 s'),
    });
  });

  it('refuses a misspelt figure scope with a hint of the valid names', async () => {
    const file = join(dir, 'scope.yaml');
    writeFileSync(file, 'rules:\n  - alert: SlowOrders\n    figure: queries.p95Ms\n    op: ">"\n    threshold: 250\n');
    const run = capture(['check-rules', file]);
    expect(run.code).toBe(1);
    expect(run.err).toContain(
      'scope.yaml: rule 1 ("SlowOrders"): figure: unknown figure "queries.p95Ms" (did you mean "query.p95Ms"?); figures are {overall,query,stage,source,statement}.{',
    );
    expect(run.err).toContain('system.cpuPercent, system.memoryPercent, system.eventLoopDelayP99Ms, health.score, breaker.open');
    expect(await startUpError(file)).toBe(run.err.trimEnd());
  });

  it('prints the version and usage, and refuses unknown commands', () => {
    expect(capture(['version']).out).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(capture([]).out).toMatch(/usage: fedscope/);
    expect(capture(['frobnicate'])).toMatchObject({ code: 2, err: expect.stringContaining("unknown command 'frobnicate'") });
  });

  it('runs as the package bin', async () => {
    const run = startWatched('node', [join(root, 'dist', 'src', 'cli.js'), 'check-rules', good], {}, root);
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('SlowOrders');
    const failing = startWatched('node', [join(root, 'dist', 'src', 'cli.js'), 'check-rules', seven], {}, root);
    expect(await failing.exited).toBe(1);
    expect(failing.output().match(/^seven\.yaml: /gm)).toHaveLength(7);
  });
});
