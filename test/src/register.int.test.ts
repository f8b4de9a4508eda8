import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWatched } from '../support/child-process.js';
import { freePort } from '../support/free-port.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';

const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** Three federated queries of one stage each: six spans, then 'app ran'. */
const QUERIES = `for (let i = 0; i < 3; i++) await federatedQuery('register_check', () => stage('fetch', () => i));
console.log('app ran');`;

/**
 * A tiny application run with `node --import fedscope/register`, from the built package: imports
 * `federatedQuery` and `stage`, and `require` resolving from fedscope's own dependencies; `body`
 * follows. Returns its folder and file.
 */
function writeApp(body: string): { dir: string; app: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fedscope-register-'));
  // The app resolves 'fedscope' as an installed package would: through node_modules.
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'fedscope'), 'dir');
  const app = join(dir, 'app.mjs');
  writeFileSync(
    app,
    `import { createRequire } from 'node:module';
import { federatedQuery, stage } from 'fedscope';
const require = createRequire(import.meta.resolve('fedscope'));
${body}`,
  );
  return { dir, app };
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The variables of a run (its own metrics port, OTLP traces to `receiver`) with `overrides` on top. */
async function envFor(
  receiver: OtlpReceiver,
  overrides: Record<string, string> = {},
): Promise<{ env: Record<string, string>; metricsPort: number }> {
  const metricsPort = await freePort();
  const env = {
    OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_SERVICE_NAME: 'register-test',
    OTEL_SDK_DISABLED: '',
    OTEL_LOG_LEVEL: '',
    ...overrides,
  };
  return { env, metricsPort };
}

describe('node --import fedscope/register', () => {
  let receiver: OtlpReceiver;
  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('starts fedscope from the environment, serves /metrics, and exits on SIGTERM after flushing', async () => {
    const { env, metricsPort } = await envFor(receiver);
    const { dir, app } = writeApp(`${QUERIES}\nsetInterval(() => {}, 1000);`);
    const child = startWatched('node', ['--import', 'fedscope/register', app], env, dir);
    try {
      await child.waitFor(/app ran/, 20_000);
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(text).toMatch(/federation_queries_total\{service_name="register-test",federation_query_name="register_check"[^}]*\} 3/);
      expect(text).toMatch(/target_info\{[^}]*service_name="register-test"/);
      child.child.kill('SIGTERM');
      expect(await child.exited).toBe(143);
      // The receiver answers after recording, so what the flush sent is here once the process is gone.
      expect(receiver.spans()).toHaveLength(6);
    } finally {
      child.child.kill('SIGKILL');
    }
  });

  it('exports every span of an application that ends on its own, then lets it exit', async () => {
    const { dir, app } = writeApp(
      `for (let i = 0; i < 5; i++) {
  await federatedQuery('ends_alone', async () => {
    await stage('fetch', () => new Promise((resolve) => setTimeout(resolve, 5)));
    await stage('merge', () => i);
  });
}
console.log('app ran');`,
    );
    const child = startWatched('node', ['--import', 'fedscope/register', app], (await envFor(receiver)).env, dir);
    try {
      // The batch processor's 5 s delay has not passed when the app ends: only the exit flush sends.
      expect(await child.exited).toBe(0);
      expect(child.output()).toContain('app ran');
      const names = receiver.spans().map((span) => span.name);
      expect(names).toHaveLength(15);
      expect(names.filter((name) => name === 'federation.query ends_alone')).toHaveLength(5);
      expect(names.filter((name) => name === 'federation.stage fetch')).toHaveLength(5);
      expect(names.filter((name) => name === 'federation.stage merge')).toHaveLength(5);
    } finally {
      child.child.kill('SIGKILL');
    }
  });

  it('leaves the exit to an application that handles SIGTERM itself, and still exports its spans', async () => {
    const { dir, app } = writeApp(
      `${QUERIES}
const timer = setInterval(() => {}, 1000);
process.on('SIGTERM', () => {
  console.log('app shutting down');
  clearInterval(timer);
  process.exitCode = 3;
});`,
    );
    const child = startWatched('node', ['--import', 'fedscope/register', app], (await envFor(receiver)).env, dir);
    try {
      await child.waitFor(/app ran/, 20_000);
      child.child.kill('SIGTERM');
      expect(await child.exited).toBe(3);
      expect(child.output()).toContain('app shutting down');
      expect(receiver.spans()).toHaveLength(6);
    } finally {
      child.child.kill('SIGKILL');
    }
  });

  it('exits with 130 on SIGINT after flushing', async () => {
    const { dir, app } = writeApp(`${QUERIES}\nsetInterval(() => {}, 1000);`);
    const child = startWatched('node', ['--import', 'fedscope/register', app], (await envFor(receiver)).env, dir);
    try {
      await child.waitFor(/app ran/, 20_000);
      child.child.kill('SIGINT');
      expect(await child.exited).toBe(130);
      expect(receiver.spans()).toHaveLength(6);
    } finally {
      child.child.kill('SIGKILL');
    }
  });

  /** An app that reports whether its spans record and whether the pg driver was patched, then stays up. */
  const PROBE = `const { trace } = require('@opentelemetry/api');
const pg = require('pg');
const recording = await federatedQuery('disabled_check', () => stage('fetch', () => trace.getActiveSpan()?.isRecording() ?? false));
console.log(\`app ran: recording=\${recording} pg patched=\${pg.Client.prototype.query.__wrapped === true}\`);
setInterval(() => {}, 1000);`;

  it('with OTEL_SDK_DISABLED=true (any case) starts nothing, says nothing by default, and the app runs normally', async () => {
    const { env, metricsPort } = await envFor(receiver, { OTEL_SDK_DISABLED: ' True ' });
    const { dir, app } = writeApp(PROBE);
    const child = startWatched('node', ['--import', 'fedscope/register', app], env, dir);
    try {
      await child.waitFor(/app ran/, 20_000);
      expect(child.output()).toContain('app ran: recording=false pg patched=false');
      expect(await listening(metricsPort)).toBe(false);
      // The default log level is warn: the info line is not printed.
      expect(child.output()).not.toMatch(/fedscope/);
      child.child.kill('SIGTERM');
      expect(await child.exited).toBe('SIGTERM');
      expect(receiver.requests).toHaveLength(0);
    } finally {
      child.child.kill('SIGKILL');
    }
  });

  it('with OTEL_SDK_DISABLED=true says so on stderr when OTEL_LOG_LEVEL allows info', async () => {
    const { env } = await envFor(receiver, { OTEL_SDK_DISABLED: 'TRUE', OTEL_LOG_LEVEL: 'Info' });
    const { dir, app } = writeApp(`${QUERIES}`);
    const child = startWatched('node', ['--import', 'fedscope/register', app], env, dir);
    try {
      expect(await child.exited).toBe(0);
      expect(child.output()).toMatch(/fedscope info: not started: OTEL_SDK_DISABLED=true/);
      expect(child.output()).toContain('app ran');
      expect(receiver.requests).toHaveLength(0);
    } finally {
      child.child.kill('SIGKILL');
    }
  });

  it('reads any OTEL_SDK_DISABLED other than true as false, with a warning, and starts', async () => {
    const { env, metricsPort } = await envFor(receiver, { OTEL_SDK_DISABLED: 'yes' });
    const { dir, app } = writeApp(PROBE);
    const child = startWatched('node', ['--import', 'fedscope/register', app], env, dir);
    try {
      await child.waitFor(/app ran/, 20_000);
      expect(child.output()).toContain('app ran: recording=true pg patched=true');
      expect(child.output()).toMatch(
        /fedscope warn: OTEL_SDK_DISABLED is not 'true' or 'false' \(case-insensitive\); read as false: got yes/,
      );
      expect(await listening(metricsPort)).toBe(true);
    } finally {
      child.child.kill('SIGKILL');
    }
  });

  it('reports a bad variable on stderr and lets the application run without fedscope', async () => {
    const { dir, app } = writeApp(`${QUERIES}\nsetInterval(() => {}, 1000);`);
    const child = startWatched('node', ['--import', 'fedscope/register', app], { OTEL_TRACES_SAMPLER: 'sometimes' }, dir);
    try {
      await child.waitFor(/app ran/, 20_000);
      expect(child.output()).toMatch(/fedscope: not started: fedscope: invalid OTEL_TRACES_SAMPLER: expected one of 'always_on'/);
    } finally {
      child.child.kill('SIGKILL');
    }
  });
});
