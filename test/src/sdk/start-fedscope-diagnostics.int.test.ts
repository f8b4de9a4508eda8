import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { federatedQuery, stage } from '../../../instrumentations/federation-stage.js';
import { fedscopeLog } from '../../../src/diagnostics/fedscope-log.js';
import type { FedscopeHandle } from '../../../src/sdk/fedscope-handle.js';
import { startFedscope } from '../../../src/sdk/start-fedscope.js';
import { startWatched } from '../../support/child-process.js';
import { freePort } from '../../support/free-port.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let handle: FedscopeHandle | undefined;
let blocker: Server | undefined;
let lines: string[] = [];
beforeEach(() => {
  lines = [];
  fedscopeLog.configure({ write: (line) => lines.push(line) });
});
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
  blocker?.close();
  blocker = undefined;
});

async function takenPort(): Promise<number> {
  blocker = createServer();
  await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
  return (blocker.address() as AddressInfo).port;
}

describe('startFedscope says what goes wrong', () => {
  it('a metrics port already taken: one line naming host:port and the reason, ready rejects, tracing goes on', async () => {
    const port = await takenPort();
    handle = startFedscope({ prometheus: { port }, otlp: false, alerts: false, hostMetrics: false, sourceInstrumentations: false });
    await expect(handle.ready).rejects.toThrow(
      `the metrics server cannot listen on 127.0.0.1:${port}: the port is already in use (EADDRINUSE)`,
    );
    await sleep(0);
    expect(lines).toEqual([
      `fedscope error: the metrics server cannot listen on 127.0.0.1:${port}: the port is already in use (EADDRINUSE); fedscope runs on without /metrics and its JSON endpoints`,
    ]);
    federatedQuery('after', () => stage('fetch', () => 1));
    expect(handle.snapshot().overall.sinceStart.count).toBe(1);
  });

  it('queued alert notifications dropped at shutdown (Alertmanager unreachable): counted and told in one line', async () => {
    const port = await freePort(); // nothing listens
    handle = startFedscope({
      prometheus: false,
      otlp: false,
      hostMetrics: false,
      sourceInstrumentations: false,
      alerts: {
        defaultRules: false,
        log: false,
        evaluationIntervalMs: 100,
        rules: [
          {
            alert: 'NoTraffic',
            figure: 'overall.throughputPerSecond',
            window: '1m',
            op: '<',
            threshold: 1,
            severity: 'warning',
            noData: 'alert',
          },
        ],
        alertmanager: { url: `http://127.0.0.1:${port}` },
      },
    });
    for (let i = 0; i < 200 && (handle.alerts()?.delivery[0]?.failedAttempts ?? 0) === 0; i++) await sleep(20);
    expect(handle.alerts()?.delivery[0]?.failedAttempts).toBeGreaterThan(0);
    await handle.shutdown(); // waits 5 s for Alertmanager, then drops what is left
    expect(handle.alerts()?.delivery[0]).toMatchObject({ channel: 'alertmanager', delivered: 0, discarded: 1 });
    expect(lines.filter((l) => l.includes('shutdown'))).toEqual([
      'fedscope warn: 1 alert notification still undelivered 5 s into shutdown, dropped (alertmanager: 1)',
    ]);
    // The refused deliveries were told once, with the later ones counted rather than repeated.
    expect(lines.filter((l) => l.startsWith('fedscope warn: alert delivery to alertmanager failed')).length).toBeGreaterThanOrEqual(1);
    expect(
      lines.filter((l) => l.startsWith('fedscope warn: alert delivery to alertmanager failed: ') && !l.includes('more in the last')).length,
    ).toBe(1);
  }, 20_000);

  it('in a real process: diagnostics and alert lines go to stderr, stdout stays the application’s', async () => {
    const port = await takenPort();
    const dir = mkdtempSync(join(tmpdir(), 'fedscope-diag-'));
    const script = join(dir, 'app.mts'); // .mts: ESM outside the package (top-level await)
    const start = JSON.stringify(join(repoRoot, 'src/sdk/start-fedscope.ts'));
    writeFileSync(
      script,
      `import { startFedscope } from ${start};
const handle = startFedscope({
  prometheus: { port: ${port} }, otlp: false, hostMetrics: false, sourceInstrumentations: false,
  alerts: { defaultRules: false, evaluationIntervalMs: 100, rules: [{ alert: 'NoTraffic', figure: 'overall.throughputPerSecond', window: '1m', op: '<', threshold: 1, severity: 'warning', noData: 'alert', annotations: { summary: 'no traffic' } }] },
});
await handle.ready.catch(() => undefined);
for (let i = 0; i < 100 && (handle.alerts()?.delivery[0]?.delivered ?? 0) === 0; i++) await new Promise((r) => setTimeout(r, 20));
await handle.shutdown();
process.stdout.write('app output\\n');
`,
    );
    const child = startWatched('node', ['--import', 'tsx', script], {}, repoRoot);
    let stdout = '';
    let stderr = '';
    child.child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    expect(await child.exited).toBe(0);
    expect(stdout).toBe('app output\n');
    const errLines = stderr.trimEnd().split('\n');
    expect(errLines).toContain(
      `fedscope error: the metrics server cannot listen on 127.0.0.1:${port}: the port is already in use (EADDRINUSE); fedscope runs on without /metrics and its JSON endpoints`,
    );
    expect(
      errLines.filter((l) => /^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z alertname=NoTraffic state=firing severity=warning /.test(l)),
    ).toHaveLength(1);
    expect(errLines.find((l) => l.includes('alertname=NoTraffic'))).toMatch(/ summary="no traffic"$/);
  }, 30_000);
});
