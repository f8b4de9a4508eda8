// A real Prometheus 2.42 server (Debian's /usr/bin/prometheus) scrapes startFedscope's /metrics
// over TLS with the bearer token (`authorization` + `tls_config.ca_file`, as otel-config/prometheus.yml
// documents): the target is up and `up` is 1. A second job without the token is down with 401.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FedscopeHandle } from '../../../src/sdk/fedscope-handle.js';
import { startFedscope } from '../../../src/sdk/start-fedscope.js';
import { quietFedscopeOptions } from '../../support/quiet-fedscope-options.js';
import { startWatched, type WatchedProcess } from '../../support/child-process.js';
import { freePort } from '../../support/free-port.js';
import { requirementGate, START_HINT } from '../../support/real-servers.js';
import { makeTestCertificates, type TestCertificates } from '../../support/test-certificates.js';

const PROMETHEUS = process.env['PROMETHEUS'] || '/usr/bin/prometheus';
const TOKEN = 'prometheus-scrape-token-0123456789';
const version = spawnSync(PROMETHEUS, ['--version'], { encoding: 'utf8', timeout: 10_000 });
const prometheusGate = requirementGate(
  `Prometheus server (${PROMETHEUS})`,
  version.status === 0
    ? undefined
    : `${PROMETHEUS} is not runnable (${version.error?.message ?? `exit ${version.status}`}). ${START_HINT} (it installs Debian's prometheus package), or set PROMETHEUS to its path.`,
);

let certificates: TestCertificates;
let dataDir: string;
let fedscope: FedscopeHandle;
let prometheus: WatchedProcess;
let prometheusUrl = '';

interface Target {
  labels: Record<string, string>;
  health: string;
  lastError: string;
}

beforeAll(async () => {
  if (prometheusGate.skip) return;
  certificates = makeTestCertificates();
  dataDir = mkdtempSync(join(tmpdir(), 'fedscope-prometheus-'));
  fedscope = startFedscope(
    quietFedscopeOptions({ http: { token: TOKEN, tls: { certFile: certificates.certFile, keyFile: certificates.keyFile } } }),
  );
  await fedscope.ready;
  const target = new URL(fedscope.metricsUrl!).host;
  const job = (name: string, authorization: string) => `  - job_name: ${name}
    scheme: https
    scrape_interval: 1s
    scrape_timeout: 1s
${authorization}    tls_config:
      ca_file: ${certificates.caFile}
    static_configs:
      - targets: ['${target}']
`;
  const configFile = join(dataDir, 'prometheus.yml');
  writeFileSync(
    configFile,
    `global:\n  scrape_interval: 1s\nscrape_configs:\n${job('fedscope', `    authorization:\n      type: Bearer\n      credentials: ${TOKEN}\n`)}${job('fedscope-no-token', '')}`,
  );
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  prometheus = startWatched(
    PROMETHEUS,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dataDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    {},
    dataDir,
  );
}, 30_000);

afterAll(async () => {
  if (prometheus && prometheus.child.exitCode === null) {
    prometheus.child.kill('SIGTERM');
    await Promise.race([prometheus.exited, sleep(10_000)]);
  }
  await fedscope?.shutdown();
  certificates?.remove();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function api<T>(path: string): Promise<T | undefined> {
  try {
    const response = await fetch(`${prometheusUrl}${path}`);
    if (!response.ok) return undefined;
    return ((await response.json()) as { data: T }).data;
  } catch {
    return undefined; // not listening yet
  }
}

prometheusGate.describe('a real Prometheus scraping fedscope', () => {
  it('scrapes over TLS with the bearer token (up), and a job without the token is down with 401', async () => {
    let targets: Target[] = [];
    const deadline = Date.now() + 30_000;
    const healthOf = (job: string) => targets.find((t) => t.labels['job'] === job)?.health;
    while (Date.now() < deadline && (healthOf('fedscope') !== 'up' || healthOf('fedscope-no-token') !== 'down')) {
      await sleep(500);
      targets = (await api<{ activeTargets: Target[] }>('/api/v1/targets'))?.activeTargets ?? [];
    }
    expect(targets.map((t) => [t.labels['job'], t.health]).sort(), prometheus.output()).toEqual([
      ['fedscope', 'up'],
      ['fedscope-no-token', 'down'],
    ]);
    expect(targets.find((t) => t.labels['job'] === 'fedscope-no-token')!.lastError).toMatch(/401/);
    expect(targets.find((t) => t.labels['job'] === 'fedscope')!.lastError).toBe('');

    const up = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
      `/api/v1/query?query=${encodeURIComponent('up')}`,
    );
    const byJob = Object.fromEntries((up?.result ?? []).map((r) => [r.metric['job'], r.value[1]]));
    expect(byJob).toEqual({ fedscope: '1', 'fedscope-no-token': '0' });
    // fedscope's own series arrive through the token-guarded scrape: the no-token job's refusals, counted.
    const refusalsQuery = `/api/v1/query?query=${encodeURIComponent('fedscope_http_refusals_total{job="fedscope",reason="unauthorized"}')}`;
    let refused = 0;
    while (Date.now() < deadline + 10_000 && refused === 0) {
      const answer = await api<{ result: { value: [number, string] }[] }>(refusalsQuery);
      refused = Number(answer?.result[0]?.value[1] ?? 0);
      if (refused === 0) await sleep(500);
    }
    expect(refused).toBeGreaterThan(0);
  }, 45_000);
});
