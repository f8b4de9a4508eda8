import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { startWatched } from '../support/child-process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function capture(args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runCli(args, (t) => (out += t), (t) => (err += t));
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

  it('prints the version and usage, and refuses unknown commands', () => {
    expect(capture(['version']).out).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(capture([]).out).toMatch(/usage: fedscope/);
    expect(capture(['frobnicate'])).toMatchObject({ code: 2, err: expect.stringContaining("unknown command 'frobnicate'") });
  });

  it('runs as the package bin', async () => {
    const run = startWatched('node', [join(root, 'dist', 'src', 'cli.js'), 'check-rules', good], {}, root);
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('SlowOrders');
  });
});
