import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { FedscopeLog, parseLogLevel, type FedscopeLogOptions } from '../../../src/diagnostics/fedscope-log.js';
import { startWatched } from '../../support/child-process.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A logger writing into an array, on a clock the test moves. */
function capture(options: FedscopeLogOptions = {}): { log: FedscopeLog; lines: string[]; clock: { t: number } } {
  const lines: string[] = [];
  const clock = { t: 1_000_000 };
  const log = new FedscopeLog({ level: undefined, forwardToDiag: false, write: (l) => lines.push(l), now: () => clock.t, ...options });
  return { log, lines, clock };
}

afterEach(() => diag.disable());

describe('FedscopeLog levels (OTEL_LOG_LEVEL)', () => {
  it('writes warn and error by default, not info or debug', () => {
    const { log, lines } = capture();
    log.error('e');
    log.warn('w');
    log.info('i');
    log.debug('d');
    log.verbose('v');
    expect(lines).toEqual(['fedscope error: e', 'fedscope warn: w']);
  });

  it.each([
    ['NONE', []],
    ['error', ['error']],
    ['Warn', ['error', 'warn']],
    ['INFO', ['error', 'warn', 'info']],
    ['debug', ['error', 'warn', 'info', 'debug']],
    ['VERBOSE', ['error', 'warn', 'info', 'debug', 'verbose']],
    ['all', ['error', 'warn', 'info', 'debug', 'verbose']],
  ] as const)('%s', (level, expected) => {
    const { log, lines } = capture({ level });
    for (const l of ['error', 'warn', 'info', 'debug', 'verbose'] as const) log[l](l);
    expect(lines.map((line) => line.split(':')[0]!.replace('fedscope ', ''))).toEqual(expected);
  });

  it('falls back to warn on a bad value and says so in one line', () => {
    expect(parseLogLevel('LOUD')).toEqual({ threshold: 'warn', valid: false });
    expect(parseLogLevel(undefined)).toEqual({ threshold: 'warn', valid: true });
    const { log, lines } = capture({ level: 'LOUD' });
    expect(lines).toEqual([
      'fedscope warn: OTEL_LOG_LEVEL is not one of NONE, ERROR, WARN, INFO, DEBUG, VERBOSE, ALL (case-insensitive); using WARN: got LOUD',
    ]);
    log.info('not shown');
    log.warn('shown');
    expect(lines).toHaveLength(2);
  });
});

describe('FedscopeLog rate limiting', () => {
  it('writes a problem at most once per minute and reports the repeats with its next line', () => {
    const { log, lines, clock } = capture();
    for (let i = 0; i < 42; i++) {
      log.warn('host metrics reading failed', new Error(`attempt ${i}`));
      clock.t += 1000;
    }
    expect(lines).toEqual(['fedscope warn: host metrics reading failed: attempt ?']);
    clock.t += 30_000; // 72 s after the first line
    log.warn('host metrics reading failed', new Error('again'));
    expect(lines[1]).toBe('fedscope warn: host metrics reading failed: again (and 41 more in the last 72 s)');
    expect(log.stats()).toMatchObject({ written: 2, suppressed: 41 });
  });

  it('limits each distinct problem on its own', () => {
    const { log, lines } = capture();
    log.warn('a');
    log.warn('b');
    log.warn('a');
    log.error('c');
    expect(lines).toEqual(['fedscope warn: a', 'fedscope warn: b', 'fedscope error: c']);
  });

  it('flushRepeats writes the count of repeats still unreported', () => {
    const { log, lines, clock } = capture();
    log.warn('a');
    log.warn('a');
    log.warn('a');
    log.warn('b');
    clock.t += 5000;
    log.flushRepeats();
    expect(lines).toEqual(['fedscope warn: a', 'fedscope warn: b', 'fedscope warn: a (and 2 more in the last 5 s)']);
    log.flushRepeats();
    expect(lines).toHaveLength(3);
  });

  it('remembers a bounded number of problems, forgetting the stalest and counting the repeats lost', () => {
    const { log, lines } = capture({ maxProblems: 2 });
    log.warn('a');
    log.warn('a'); // suppressed, then forgotten
    log.warn('b');
    log.warn('c'); // forgets a
    log.warn('a'); // written again: a was forgotten
    expect(lines).toEqual(['fedscope warn: a', 'fedscope warn: b', 'fedscope warn: c', 'fedscope warn: a']);
    expect(log.stats().forgottenRepeats).toBe(1);
  });

  it('report() is paced by its caller, not rate-limited', () => {
    const { log, lines } = capture();
    log.report('warn', '3 spans dropped');
    log.report('warn', '3 spans dropped');
    log.report('info', 'hidden at warn');
    expect(lines).toEqual(['fedscope warn: 3 spans dropped', 'fedscope warn: 3 spans dropped']);
  });
});

describe('FedscopeLog content', () => {
  it('redacts the error text: no SQL literal, number or credential reaches the line', () => {
    const { log, lines } = capture();
    const error = Object.assign(
      new Error("duplicate key value (email)=('ann@example.com') for postgresql://app:s3cret@db/x password=hunter2"),
      { code: '23505' },
    );
    log.error('could not record', error);
    expect(lines).toHaveLength(1);
    for (const secret of ['ann@example.com', 's3cret', 'hunter2', '23505']) expect(lines[0]).not.toContain(secret);
    expect(lines[0]).toMatch(/^fedscope error: could not record: duplicate key value/);
  });

  it('tells the cause of an error, and the first of an AggregateError without a message', async () => {
    const { log, lines } = capture();
    const refused = await fetch('http://127.0.0.1:1/').catch((e: unknown) => e);
    log.warn('fetch', refused);
    log.warn('aggregate', new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1'), { code: 'ECONNREFUSED' })], ''));
    expect(lines[0]).toMatch(/^fedscope warn: fetch: TypeError: fetch failed \(cause: /);
    expect(lines[1]).toMatch(/^fedscope warn: aggregate: connect ECONNREFUSED /);
  });

  it('writes one line even when the error message has line breaks', () => {
    const { log, lines } = capture();
    log.warn('x', new Error('first\nsecond'));
    expect(lines).toEqual(['fedscope warn: x: first second']);
  });

  it('forwards each written line to the OTel diag logger at the same level', () => {
    const seen: string[] = [];
    const logger: DiagLogger = {
      error: (m) => seen.push(`error ${m}`),
      warn: (m) => seen.push(`warn ${m}`),
      info: (m) => seen.push(`info ${m}`),
      debug: (m) => seen.push(`debug ${m}`),
      verbose: (m) => seen.push(`verbose ${m}`),
    };
    diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
    const { log, lines } = capture({ forwardToDiag: true, level: 'none' });
    log.error('broke', new Error('why'));
    log.debug('detail');
    log.error('broke'); // rate-limited: not forwarded either
    expect(lines).toEqual([]);
    expect(seen.filter((s) => s.includes('fedscope:'))).toEqual(['error fedscope: broke: why', 'debug fedscope: detail']);
  });

  it('never throws, even when writing does', () => {
    const log = new FedscopeLog({
      level: undefined,
      forwardToDiag: false,
      write: () => {
        throw new Error('EPIPE');
      },
    });
    expect(() => log.error('x')).not.toThrow();
    expect(() => log.report('warn', 'y')).not.toThrow();
  });
});

describe('the process-wide logger', () => {
  it('writes to stderr, never stdout, at the level OTEL_LOG_LEVEL sets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedscope-log-'));
    const script = join(dir, 'app.ts');
    const module = join(repoRoot, 'src/diagnostics/fedscope-log.ts');
    writeFileSync(
      script,
      `import { fedscopeLog } from ${JSON.stringify(module)};\nfedscopeLog.warn('w');\nfedscopeLog.info('i');\nfedscopeLog.debug('d');\nprocess.stdout.write('done\\n');\n`,
    );
    const run = async (env: Record<string, string>) => {
      const child = startWatched('node', ['--import', 'tsx', script], env, repoRoot);
      let stdout = '';
      let stderr = '';
      child.child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
      child.child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      expect(await child.exited).toBe(0);
      return { stdout, stderr };
    };
    const byDefault = await run({});
    expect(byDefault.stdout).toBe('done\n');
    expect(byDefault.stderr).toBe('fedscope warn: w\n');
    const info = await run({ OTEL_LOG_LEVEL: 'info' });
    expect(info.stderr).toBe('fedscope warn: w\nfedscope info: i\n');
    const bad = await run({ OTEL_LOG_LEVEL: 'chatty' });
    expect(bad.stderr.split('\n')).toEqual([
      expect.stringMatching(/^fedscope warn: OTEL_LOG_LEVEL is not one of .* using WARN: got chatty$/),
      'fedscope warn: w',
      '',
    ]);
  });
});
