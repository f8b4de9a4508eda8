// The README stays true: its TypeScript examples run as printed (as an installed package would run
// them: importing 'fedscope'), and its rules-file example is a valid rules file.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAlertRules } from '../../processors/alerts/load-alert-rules.js';
import { collectorHelp } from '../../src/collector/collector-command.js';
import { COLLECTOR_SETTINGS, resolveCollectorConfig } from '../../src/collector/collector-config.js';
import { startWatched } from '../support/child-process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** Code blocks of one language; a block whose info string says `fragment` is left out. */
function blocks(language: string): string[] {
  const found: string[] = [];
  const fence = /^```(\S+)([^\n]*)\n([\s\S]*?)^```$/gm;
  for (const match of readme.matchAll(fence)) {
    if (match[1] === language && !match[2]!.includes('fragment')) found.push(match[3]!);
  }
  return found;
}

describe('README', () => {
  const examples = blocks('ts');

  it('has runnable TypeScript examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples.map((code, i) => [i + 1, code] as const))(
    'example %i runs as printed',
    async (i, code) => {
      // Inside the package folder, 'fedscope' resolves to the built package by its own name.
      const dir = join(root, '.readme-check');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `example-${i}.ts`);
      writeFileSync(file, code);
      const run = startWatched(join(root, 'node_modules', '.bin', 'tsx'), [file], { FEDSCOPE_HOST_METRICS: 'off' }, root);
      const code_ = await run.exited;
      expect(run.output()).not.toMatch(/Error|error TS/);
      expect(code_).toBe(0);
    },
    60_000,
  );

  it('shows a valid rules file', () => {
    const [rules] = blocks('yaml');
    expect(parseAlertRules(rules!, 'README.md').map((r) => r.alert)).toEqual(['OrdersSlow']);
  });

  // The companion runs until it is stopped, so its commands are checked for what can go wrong as
  // printed: every setting they give is accepted, and every flag the text names exists.
  it('prints fedscope collector commands whose settings the command accepts', () => {
    const commands = [...readme.matchAll(/(?:^|`)(?:fedscope|node dist\/src\/cli\.js) collector([^`\n#]*)/gm)].map((m) => m[1]!.trim());
    expect(commands.length).toBeGreaterThanOrEqual(5);
    for (const command of commands) {
      const args = command === '' ? [] : command.split(/\s+/);
      if (args.includes('--help')) expect(collectorHelp()).toMatch(/--otlp-http HOST:PORT/);
      else expect(() => resolveCollectorConfig({ args, env: {} }), command).not.toThrow();
    }
    const flags = new Set(COLLECTOR_SETTINGS.map((s) => s.flag));
    const named = [...readme.matchAll(/`(--[a-z][a-z-]+)[ `]/g)].map((m) => m[1]!);
    const section = readme.slice(readme.indexOf('## Collector companion'), readme.indexOf('### Recommended layout'));
    for (const flag of named.filter((f) => section.includes(f)))
      expect(flags.has(flag) || flag === '--config' || flag === '--help', flag).toBe(true);
  });
});

describe('examples/compose-with-node-sdk', () => {
  it('runs as the README says and shows fedscope figures from a NodeSDK', async () => {
    const run = startWatched(
      join(root, 'node_modules', '.bin', 'tsx'),
      [join(root, 'examples', 'compose-with-node-sdk', 'main.ts')],
      {},
      root,
    );
    expect(await run.exited).toBe(0);
    expect(run.output()).toMatch(/fedscope saw 3 calls to inventory/);
    expect(run.output()).toMatch(
      /federation_source_latency\{service_name="compose-example",federation_source="inventory",window="1m",percentile="50"/,
    );
  }, 60_000);
});
